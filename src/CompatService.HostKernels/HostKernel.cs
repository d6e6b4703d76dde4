using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using CompatService.Engine.Kernels;

namespace CompatService.HostKernels;

/// <summary>
/// The running kernel as its files say: vmlinux BTF (bytes + sha256), module BTFs, release, arch, distro, config. The one
/// reader of the host for every face: `compat --kernel /sys/kernel/btf/vmlinux` and the service's `import` reach it
/// through <c>CompatService.Kernels.KernelInput</c>, the agent through its host session.
/// </summary>
public sealed class HostKernel
{
    public const string DefaultBtfDir = "/sys/kernel/btf";

    public required byte[] VmlinuxBtf { get; init; }
    /// <summary>Where the vmlinux BTF was read (root-prefixed /sys/kernel/btf/vmlinux).</summary>
    public required string VmlinuxPath { get; init; }
    /// <summary>Lower-case hex sha256 of the raw vmlinux BTF: the kernel's identity on the service.</summary>
    public required string BtfSha256 { get; init; }
    /// <summary>Module name → raw split BTF, sorted by name (the BTF object id order is not visible in the files).</summary>
    public required IReadOnlyList<KeyValuePair<string, byte[]>> Modules { get; init; }
    public string? Release { get; init; }
    /// <summary>Debian architecture name of this machine (amd64, arm64, ...).</summary>
    public string? Arch { get; init; }
    /// <summary>The distribution named in /proc/version (see <see cref="DistroOf"/>), "host" when none is.</summary>
    public string? Distro { get; init; }
    public IReadOnlyDictionary<string, string>? Config { get; init; }
    /// <summary>Where the config came from (/proc/config.gz, /boot/config-R) or null.</summary>
    public string? ConfigSource { get; init; }
    /// <summary>The config as text (what the agent uploads beside the BTF), or null.</summary>
    public string? ConfigText { get; init; }
    private Lazy<KallsymsTable?> _kallsyms = new((KallsymsTable?)null);

    /// <summary>/proc/kallsyms (with the loaded modules' symbols), or null when unreadable; read on first use (~110 ms).</summary>
    public KallsymsTable? Kallsyms { get => _kallsyms.Value; init => _kallsyms = new(value); }

    /// <summary>How <see cref="Kallsyms"/> is read when first asked for (instead of a table given at once).</summary>
    public Func<KallsymsTable?> ReadKallsyms { init => _kallsyms = new(value); }

    /// <summary>This kernel as a kernel input (form "sysfs"), as every face hands it to the engine or the service.</summary>
    public KernelSource Source => new(VmlinuxBtf,
        Modules.Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Key, m.Value)).ToList(),
        "sysfs", Release, Arch, null, Distro, ConfigText) { ReadKallsyms = () => Kallsyms };

    /// <summary>The engine's view of this kernel (vmlinux + module BTFs, release, config). Parse once and keep it.</summary>
    public KernelBtfSet OpenEngineKernel() => Source.Open();

    /// <summary>Reads the host; <paramref name="root"/> prefixes every path (tests point it at a fake tree).</summary>
    public static HostKernel Discover(string root = "/")
    {
        string P(string path) => Path.Combine(root, path.TrimStart('/'));
        var btfDir = P(DefaultBtfDir);
        var vmlinuxPath = Path.Combine(btfDir, "vmlinux");
        if (!File.Exists(vmlinuxPath))
            throw new FileNotFoundException($"{vmlinuxPath} not found: this kernel was built without CONFIG_DEBUG_INFO_BTF", vmlinuxPath);
        var vmlinux = File.ReadAllBytes(vmlinuxPath);
        var modules = Directory.EnumerateFiles(btfDir)
            .Where(f => Path.GetFileName(f) != "vmlinux")
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => new KeyValuePair<string, byte[]>(Path.GetFileName(f), File.ReadAllBytes(f)))
            .ToArray();
        var release = ReadTrimmed(P("/proc/sys/kernel/osrelease"));
        var (configText, source) = ReadConfig(P, release);
        return new HostKernel
        {
            VmlinuxBtf = vmlinux, VmlinuxPath = vmlinuxPath, BtfSha256 = Convert.ToHexStringLower(SHA256.HashData(vmlinux)),
            Modules = modules, Release = release, Arch = MachineArch, Distro = DistroOf(ReadTrimmed(P("/proc/version")) ?? ""),
            Config = configText is null ? null : KernelConfig.Parse(configText), ConfigSource = source, ConfigText = configText,
            ReadKallsyms = () => HostKallsyms.Read(P(HostKallsyms.Path)),
        };
    }

    /// <summary>Whether <paramref name="path"/> names the running kernel's BTF: /sys/kernel/btf or /sys/kernel/btf/vmlinux.</summary>
    public static bool IsHostBtfPath(string path) =>
        Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)) is DefaultBtfDir or DefaultBtfDir + "/vmlinux";

    /// <summary>Debian architecture name of this process's machine (amd64, arm64, ...).</summary>
    public static string MachineArch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        var a => a.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// The distribution that built the running kernel, from /proc/version's builder and version text (Debian's kernels
    /// say "Debian 6.1.76-1", Ubuntu's "Ubuntu", Fedora's ".fc40", RHEL's ".el9"; Fedora before RHEL: its gcc says "Red
    /// Hat"); "host" when it names none, so that the matrix groups this machine's kernel under a name rather than "unknown".
    /// </summary>
    public static string DistroOf(string procVersion)
    {
        foreach (var (marker, distro) in new[] { ("Debian", "debian"), ("Ubuntu", "ubuntu"), (".fc", "fedora"), (".el", "rhel"), ("SUSE", "suse"), ("Alpine", "alpine") })
            if (procVersion.Contains(marker, StringComparison.Ordinal)) return distro;
        return "host";
    }

    private static string? ReadTrimmed(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The running kernel's config: /proc/config.gz, else /boot/config-RELEASE, else none.</summary>
    private static (string?, string?) ReadConfig(Func<string, string> p, string? release)
    {
        var gz = p("/proc/config.gz");
        try
        {
            if (File.Exists(gz))
            {
                using var f = File.OpenRead(gz);
                using var z = new GZipStream(f, CompressionMode.Decompress);
                using var r = new StreamReader(z);
                return (r.ReadToEnd(), "/proc/config.gz");
            }
            if (release is not null && File.Exists(p($"/boot/config-{release}")))
                return (File.ReadAllText(p($"/boot/config-{release}")), $"/boot/config-{release}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return (null, null);
        }
        return (null, null);
    }
}
