using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CompatService.Engine;
using CompatService.Engine.Binary;
using CompatService.Engine.Object;

namespace CompatService.Lab;

/// <summary>An object given to the lab: bytes, sha256, the parsed object and its name inside the guest.</summary>
public sealed record LabObject(string Path, string Name, byte[] Bytes, string Sha256, BpfObject Object, string GuestName);

/// <summary>Prepares the initramfs, boots the kernel, reads the results port.</summary>
public static partial class LabRunner
{
    /// <summary>Reads and parses the objects (a malformed one is a <see cref="LabException"/>; nothing runs).</summary>
    public static IReadOnlyList<LabObject> ReadObjects(IEnumerable<string> paths, Action<string>? skip = null)
    {
        var list = new List<LabObject>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new LabException($"{path}: no such file");
            var bytes = File.ReadAllBytes(path);
            BpfObject obj;
            try { obj = CompatEngine.OpenObject(bytes); }
            catch (BpfFormatException e)
            {
                if (skip is null) throw new LabException($"{path}: not a BPF object: {e.Message}");
                skip($"{path}: skipped, not a BPF object the engine reads: {e.Message}");
                continue;
            }
            var name = System.IO.Path.GetFileName(path);
            list.Add(new LabObject(path, name, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)), obj,
                $"{list.Count:D4}-{Safe().Replace(name, "_")}"));
        }
        return list;
    }

    /// <summary>One plan line per program of every object (autoload-off '?' programs too).</summary>
    public static IReadOnlyList<LabPlanEntry> Plan(IReadOnlyList<LabObject> objects)
    {
        var plan = new List<LabPlanEntry>();
        foreach (var o in objects)
            foreach (var p in o.Object.Programs)
                plan.Add(new LabPlanEntry(plan.Count, o.Name, o.GuestName, p.Name));
        return plan;
    }

    /// <summary>Checks the tools, builds the initramfs, boots, parses. Throws <see cref="LabException"/> when it cannot start.</summary>
    public static async Task<LabRunResult> RunAsync(LabRunOptions options, LabKernelImage kernel, IReadOnlyList<LabObject> objects,
        CancellationToken ct = default)
    {
        CheckTools(options, kernel.Arch);
        var plan = Plan(objects);
        var work = options.WorkDirectory ?? Directory.CreateTempSubdirectory("compat-lab-").FullName;
        Directory.CreateDirectory(work);
        var bz = System.IO.Path.Combine(work, kernel.Arch == LabArch.Arm64 ? "Image" : "bzImage");
        var initrd = System.IO.Path.Combine(work, "initramfs.cpio");
        var console = System.IO.Path.Combine(work, "console.log");
        var results = System.IO.Path.Combine(work, "results.log");
        foreach (var f in new[] { console, results }) File.Delete(f);
        await File.WriteAllBytesAsync(bz, kernel.Bzimage, ct);
        await using (var fs = File.Create(initrd))
            LabInitramfs.Write(fs, options, kernel.Release, kernel.Config, plan, objects.ToDictionary(o => o.GuestName, o => o.Bytes), kernel.Arch,
                kernel.Modules.InOrder);

        var runner = new QemuRunner(options, kernel.Arch);
        var append = kernel.Arch.KernelCommandLine(kernel.BtfSha256);
        options.Progress?.Invoke($"booting {kernel.Release} ({runner.Accel}, {plan.Count} programs, initramfs {new FileInfo(initrd).Length / 1024} KiB" +
            (kernel.Modules.InOrder.Count > 0 ? $", modules {string.Join(' ', kernel.Modules.InOrder.Select(m => m.Name))})" : ")"));
        var sw = Stopwatch.StartNew();
        var (aborted, bootTime) = await runner.RunAsync(bz, initrd, console, results, append, plan.Count, ct);
        var elapsed = sw.Elapsed;

        var text = File.Exists(results) ? ReadCapped(results, options.OutputCap) : "";
        var parsed = LabSerial.Parse(text, plan);
        string? refused = parsed.RefusedReason;
        if (refused is null && parsed.GuestBtfSha256 is { } g && g != kernel.BtfSha256)
            refused = $"guest BTF {g} is not the expected {kernel.BtfSha256}";
        var programs = refused is not null ? [] : plan.Select(e => parsed.Programs.GetValueOrDefault(e.Index) ?? NotRun(e, aborted)).ToList();
        var consoleTail = Tail(console, 40);
        if (options.WorkDirectory is null && refused is null && aborted is null) Directory.Delete(work, recursive: true);
        return new LabRunResult
        {
            ExpectedBtfSha256 = kernel.BtfSha256, GuestBtfSha256 = parsed.GuestBtfSha256, Release = parsed.GuestRelease ?? kernel.Release,
            Accel = runner.Accel, Refused = refused, Aborted = aborted, Completed = parsed.Done && aborted is null && refused is null,
            BootTime = bootTime, Elapsed = elapsed, Programs = programs, ConsoleTail = consoleTail, Modules = parsed.Modules,
        };
    }

    private static LabProgramResult NotRun(LabPlanEntry e, string? aborted) =>
        new(e.Index, e.ObjectFile, e.Program, LabStatus.NotRun, null, null, aborted ?? "the guest ended before this program", null, null, null);

    public static void CheckTools(LabRunOptions o, LabArch? arch = null)
    {
        arch ??= LabArch.Amd64;
        var qemu = arch.QemuFor(o);
        if (!OnPath(qemu)) throw new LabException($"{qemu} not found (apt-get install {(arch == LabArch.Arm64 ? "qemu-system-arm" : "qemu-system-x86")})");
        var busybox = arch.BusyboxFor(o);
        if (!File.Exists(busybox)) throw new LabException($"{busybox} not found (apt-get install busybox-static{(arch.IsHost ? "" : $"; for {arch.Name}: scripts/build-agent-arm64.sh")})");
        if (!File.Exists(o.Agent)) throw new LabException($"{o.Agent}: no native agent (dotnet publish src/CompatService.Agent -r linux-x64 -p:PublishAot=true; arm64: scripts/build-agent-arm64.sh)");
        var head = new byte[4];
        using (var f = File.OpenRead(o.Agent)) f.ReadExactly(head);
        if (head is not [0x7F, (byte)'E', (byte)'L', (byte)'F']) throw new LabException($"{o.Agent} is not a native executable (the guest has no .NET runtime)");
        CheckElf(busybox, arch, mustBeStatic: true);
        CheckElf(o.Agent, arch, mustBeStatic: false);
    }

    /// <summary>The binary is an ELF of the guest's architecture (and static where it must be: busybox runs before any library).</summary>
    private static void CheckElf(string path, LabArch arch, bool mustBeStatic)
    {
        (string? Interpreter, IReadOnlyList<string> Needed, ushort Machine) d;
        try { d = GuestLibraries.ReadDynamic(File.ReadAllBytes(path)); }
        catch (CompatService.Engine.Binary.BpfFormatException e) { throw new LabException($"{path}: not an ELF64 executable: {e.Message}"); }
        if (d.Machine != arch.ElfMachine)
            throw new LabException($"{path} is not an {arch.Name} binary (ELF machine {d.Machine}, the guest needs {arch.ElfMachine})" +
                (arch == LabArch.Arm64 ? ": scripts/build-agent-arm64.sh builds the arm64 agent and sysroot" : ""));
        if (mustBeStatic && (d.Interpreter is not null || d.Needed.Count > 0))
            throw new LabException($"{path} is not static (apt-get install busybox-static)");
    }

    public static bool OnPath(string tool) =>
        tool.Contains('/') ? File.Exists(tool)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(System.IO.Path.Combine(d, tool)));

    private static string ReadCapped(string path, long cap)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var buf = new byte[Math.Min(f.Length, cap)];
        f.ReadExactly(buf);
        return Encoding.UTF8.GetString(buf);
    }

    private static string Tail(string path, int lines)
    {
        if (!File.Exists(path)) return "";
        var all = ReadCapped(path, 1 << 20).Replace("\r", "", StringComparison.Ordinal).Split('\n');
        return string.Join('\n', all.TakeLast(lines)).Trim();
    }

    [GeneratedRegex("[^A-Za-z0-9._+-]")]
    private static partial Regex Safe();
}
