using System.IO.Compression;
using System.Text.Json;
using CompatService.Api.Ingest;
using CompatService.Api.Mapping;

namespace CompatService.Api.Commands;

/// <summary>
/// `dotnet CompatService.Api.dll import PATH [--label k=v]...`: imports kernels with a progress bar.
/// PATH may be a corpus-style directory of kernel directories (each with vmlinux.btf.gz, optional modules/*.btf.gz,
/// config.gz, kfuncs-btf_ids.txt ("name 0xflags") and info.json (release / arch / flavour / distro)), a directory
/// of kernel files in any uploadable form, or one file (e.g. /sys/kernel/btf/vmlinux).
/// </summary>
public static class ImportCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: CompatService.Api import PATH [--label k=v]... [--release R] [--arch A] [--distro D] [--flavour F]");
            return 2;
        }
        var path = args[0];
        var labels = new Dictionary<string, string>();
        string? release = null, arch = null, distro = null, flavour = null;
        for (var i = 1; i + 1 < args.Length; i++)
        {
            switch (args[i])
            {
                case "--label": foreach (var kv in Labels.ParseQuery([args[++i]])) labels[kv.Key] = kv.Value; break;
                case "--release": release = args[++i]; break;
                case "--arch": arch = args[++i]; break;
                case "--distro": distro = args[++i]; break;
                case "--flavour": flavour = args[++i]; break;
            }
        }

        var items = Enumerate(path).ToList();
        if (items.Count == 0)
        {
            Console.Error.WriteLine($"nothing to import under {path}");
            return 1;
        }
        var bar = new ProgressBar(items.Count);
        int created = 0, existing = 0, failed = 0;
        foreach (var item in items)
        {
            await using var scope = services.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<KernelStore>();
            try
            {
                var meta = new KernelUploadMeta(release, arch, flavour, distro, Labels: labels, Source: item);
                var r = Directory.Exists(item) ? await ImportCorpusDirAsync(store, item, labels)
                    : IsSysfs(item) ? await ImportSysfsAsync(store, meta)
                    : await store.IngestAsync(await File.ReadAllBytesAsync(item), item, meta, default);
                if (r.Created) created++; else existing++;
                bar.Step(Path.GetFileName(item.TrimEnd('/')), $"{(r.Created ? "stored" : "already stored")} as #{r.Kernel.Id} ({r.Kernel.KfuncCount} kfuncs)");
            }
            catch (Exception e)
            {
                failed++;
                bar.Step(Path.GetFileName(item.TrimEnd('/')), "FAILED: " + e.Message);
            }
        }
        Console.Error.WriteLine($"import: {created} stored, {existing} already present, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private const string SysfsBtf = "/sys/kernel/btf";

    private static bool IsSysfs(string path) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) is SysfsBtf or SysfsBtf + "/vmlinux";

    /// <summary>The running kernel: /sys/kernel/btf/vmlinux, every other file there as a module, release from osrelease, its config.</summary>
    private static async Task<KernelStore.Result> ImportSysfsAsync(KernelStore store, KernelUploadMeta meta)
    {
        var vmlinux = await File.ReadAllBytesAsync(Path.Combine(SysfsBtf, "vmlinux"));
        var modules = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        foreach (var f in Directory.GetFiles(SysfsBtf).Where(f => Path.GetFileName(f) != "vmlinux").Order(StringComparer.Ordinal))
            modules.Add(new(Path.GetFileName(f), await File.ReadAllBytesAsync(f)));
        var release = meta.Release ?? (File.Exists("/proc/sys/kernel/osrelease") ? (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease")).Trim() : null);
        var arch = meta.Arch ?? System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            _ => null,
        };
        var distro = meta.Distro ?? DistroOf(File.Exists("/proc/version") ? await File.ReadAllTextAsync("/proc/version") : "");
        var input = new KernelInput(vmlinux, modules, "sysfs", release, arch, Config: await HostConfigAsync(release));
        return await store.IngestInputAsync(input, Sha.Hex(vmlinux), vmlinux.LongLength, "/sys/kernel/btf/vmlinux",
            meta with { Release = release, Arch = arch, Distro = distro }, default);
    }

    /// <summary>The running kernel's config: /proc/config.gz, else /boot/config-RELEASE, else null.</summary>
    private static async Task<string?> HostConfigAsync(string? release)
    {
        if (File.Exists("/proc/config.gz"))
        {
            await using var f = File.OpenRead("/proc/config.gz");
            await using var z = new GZipStream(f, CompressionMode.Decompress);
            using var r = new StreamReader(z);
            return await r.ReadToEndAsync();
        }
        var boot = $"/boot/config-{release}";
        return release is not null && File.Exists(boot) ? await File.ReadAllTextAsync(boot) : null;
    }

    /// <summary>
    /// The distribution that built the running kernel, from /proc/version's builder and version text (Debian's kernels
    /// say "Debian 6.1.76-1", Ubuntu's "Ubuntu", Fedora's ".fc40", RHEL's ".el9"; Fedora before RHEL: its gcc says "Red Hat"); "host" when it names none, so that the matrix
    /// groups this machine's kernel under a name rather than "unknown".
    /// </summary>
    public static string DistroOf(string procVersion)
    {
        foreach (var (marker, distro) in new[] { ("Debian", "debian"), ("Ubuntu", "ubuntu"), (".fc", "fedora"), (".el", "rhel"), ("SUSE", "suse"), ("Alpine", "alpine") })
            if (procVersion.Contains(marker, StringComparison.Ordinal)) return distro;
        return "host";
    }

    private static IEnumerable<string> Enumerate(string path)
    {
        if (IsSysfs(path)) return [path];
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) return [];
        if (File.Exists(Path.Combine(path, "vmlinux.btf.gz"))) return [path];
        var dirs = Directory.GetDirectories(path).Where(d => File.Exists(Path.Combine(d, "vmlinux.btf.gz"))).Order(StringComparer.Ordinal);
        var files = Directory.GetFiles(path).Where(f => !f.EndsWith(".json", StringComparison.Ordinal) && !f.EndsWith(".txt", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        return dirs.Concat(files);
    }

    private sealed record Info(string? Release, string? Arch, string? Flavour, string? Distro);

    public static async Task<KernelStore.Result> ImportCorpusDirAsync(KernelStore store, string dir, IReadOnlyDictionary<string, string> labels)
    {
        var gz = await File.ReadAllBytesAsync(Path.Combine(dir, "vmlinux.btf.gz"));
        await using var src = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var raw = new MemoryStream();
        await src.CopyToAsync(raw);
        var modules = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        var modDir = Path.Combine(dir, "modules");
        if (Directory.Exists(modDir))
            foreach (var f in Directory.GetFiles(modDir, "*.btf.gz").Order(StringComparer.Ordinal))
                modules.Add(new(ModuleStore.ModuleName(f)!, await File.ReadAllBytesAsync(f)));
        string? config = null;
        var configPath = Path.Combine(dir, "config.gz");
        if (File.Exists(configPath))
        {
            await using var cz = new GZipStream(File.OpenRead(configPath), CompressionMode.Decompress);
            using var reader = new StreamReader(cz);
            config = await reader.ReadToEndAsync();
        }
        Dictionary<string, uint>? flags = null;
        var idsPath = Path.Combine(dir, "kfuncs-btf_ids.txt");
        if (File.Exists(idsPath))
        {
            flags = [];
            foreach (var line in await File.ReadAllLinesAsync(idsPath))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2)
                    flags[parts[0]] = Convert.ToUInt32(parts[1].Replace("0x", "", StringComparison.Ordinal), 16);
            }
        }
        var infoPath = Path.Combine(dir, "info.json");
        var info = File.Exists(infoPath)
            ? JsonSerializer.Deserialize<Info>(await File.ReadAllTextAsync(infoPath), new JsonSerializerOptions(JsonSerializerDefaults.Web))
            : null;
        var input = new KernelInput(raw.ToArray(), modules, "corpus-dir", info?.Release, info?.Arch, info?.Flavour, info?.Distro, config, flags);
        return await store.IngestInputAsync(input, Sha.Hex(gz), gz.LongLength, Path.GetFileName(dir),
            new KernelUploadMeta(Labels: labels, Source: dir), default);
    }
}
