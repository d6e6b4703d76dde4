using CompatService.Engine.Asm;
using CompatService.Engine.Binary;
using CompatService.Loader.Syscalls;

namespace CompatService.Tests.Shared;

/// <summary>Probes once whether this process may load BPF programs (root / CAP_BPF, bpf(2) not filtered).</summary>
public static class BpfHost
{
    private static readonly Lazy<string?> Reason = new(Probe);

    /// <summary>Null when bpf(2) works here; otherwise why not.</summary>
    public static string? UnavailableReason => Reason.Value;

    private static string? Probe()
    {
        if (!LinuxBpfSyscalls.IsSupportedPlatform) return "bpf(2) needs Linux on x86_64 or arm64";
        try
        {
            var api = new BpfApi(LinuxBpfSyscalls.Instance);
            var r = api.ProgLoad(new ProgLoadRequest
            {
                ProgType = 6, // XDP
                Instructions = Instruction.EncodeAll([new(0xb7, 0, 0, 0, 2), new(0x95, 0, 0, 0, 0)], Endian.Little),
                License = "GPL",
                Name = "probe",
            });
            using var fd = r.Fd;
            return r.Succeeded ? null : $"BPF_PROG_LOAD of a trivial XDP program failed here with {Errno.Name(r.Errno)} (not root / no CAP_BPF?)";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "libc syscall() not available: " + e.Message;
        }
    }
}

/// <summary>A fact that runs only where bpf(2) program loading works; otherwise skipped with the reason.</summary>
public sealed class BpfFactAttribute : FactAttribute
{
    public BpfFactAttribute() { if (BpfHost.UnavailableReason is { } r) Skip = r; }
}

/// <summary>A fact that needs this host's kernel BTF (/sys/kernel/btf/vmlinux) but not bpf(2).</summary>
public sealed class HostBtfFactAttribute : FactAttribute
{
    public HostBtfFactAttribute()
    {
        if (!File.Exists("/sys/kernel/btf/vmlinux")) Skip = "/sys/kernel/btf/vmlinux is absent: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)";
    }
}

/// <summary>A fact that needs both the shared corpus and bpf(2); skipped with the first missing reason.</summary>
public sealed class CorpusBpfFactAttribute : FactAttribute
{
    public CorpusBpfFactAttribute()
    {
        if (!CompatService.Tests.Shared.TestPaths.HasCorpus) Skip = CompatService.Tests.Shared.TestPaths.NoCorpusReason;
        else if (BpfHost.UnavailableReason is { } r) Skip = r;
    }
}

/// <summary>
/// A bpffs directory for pinning tests: the mounted one at /sys/fs/bpf when it is bpffs, else a private bpffs that
/// the test mounts itself (root) under /tmp and unmounts afterwards. Why neither works is the skip reason.
/// </summary>
public static class Bpffs
{
    private const string Default = "/sys/fs/bpf";
    private static readonly Lazy<string?> Reason = new(Probe);

    /// <summary>Null when a bpffs can be used here; otherwise why not.</summary>
    public static string? UnavailableReason => Reason.Value;

    /// <summary>Whether <paramref name="path"/> is a bpffs mount point (listed in /proc/mounts with type bpf).</summary>
    public static bool IsMounted(string path) =>
        File.Exists("/proc/mounts") && File.ReadLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Any(f => f.Length > 2 && f[2] == "bpf" && f[1] == path);

    /// <summary>A bpffs to pin under: disposing unmounts it when it was mounted for the test.</summary>
    public static Mount Open()
    {
        if (IsMounted(Default)) return new Mount(Default, ownMount: false);
        var dir = Directory.CreateTempSubdirectory("compat-bpffs-").FullName;
        if (!TryMount(dir, out var error))
        {
            Directory.Delete(dir);
            throw new InvalidOperationException("mount -t bpf failed: " + error);
        }
        return new Mount(dir, ownMount: true);
    }

    private static string? Probe()
    {
        if (BpfHost.UnavailableReason is { } r) return r;
        if (IsMounted(Default)) return null;
        try
        {
            using var m = Open();
            return null;
        }
        catch (Exception e)
        {
            return $"{Default} is not bpffs and a private bpffs could not be mounted ({e.Message})";
        }
    }

    private static bool TryMount(string dir, out string error) => Run("mount", ["-t", "bpf", "bpf", dir], out error);

    internal static bool Run(string file, string[] args, out string error)
    {
        try
        {
            var psi = new System.Diagnostics.ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(psi)!;
            error = p.StandardError.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            error = e.Message;
            return false;
        }
    }

    public sealed class Mount(string path, bool ownMount) : IDisposable
    {
        public string Path { get; } = path;

        public void Dispose()
        {
            if (!ownMount) return;
            Run("umount", [Path], out _);
            try { Directory.Delete(Path); } catch (IOException) { /* still mounted: leave the empty directory */ }
        }
    }
}

/// <summary>A fact that needs bpf(2) and a bpffs to pin under (see <see cref="Bpffs"/>); otherwise skipped with the reason.</summary>
public sealed class BpffsFactAttribute : FactAttribute
{
    public BpffsFactAttribute() { if (Bpffs.UnavailableReason is { } r) Skip = r; }
}
