using System.IO.Compression;
using System.Security.Cryptography;
using CompatService.Engine;
using CompatService.Engine.Kernels;

namespace CompatService.Loader.Discovery;

/// <summary>The running kernel as files say: vmlinux BTF (bytes + sha256), module BTFs, release, config.</summary>
public sealed class HostKernel
{
    public const string DefaultBtfDir = "/sys/kernel/btf";

    public required byte[] VmlinuxBtf { get; init; }
    /// <summary>Lower-case hex sha256 of the raw vmlinux BTF: the kernel's identity on the service.</summary>
    public required string BtfSha256 { get; init; }
    /// <summary>Module name → raw split BTF, sorted by name (the BTF object id order comes from <see cref="KernelBtfObjects"/>).</summary>
    public required IReadOnlyList<KeyValuePair<string, byte[]>> Modules { get; init; }
    public string? Release { get; init; }
    public IReadOnlyDictionary<string, string>? Config { get; init; }
    /// <summary>Where the config came from (/proc/config.gz, /boot/config-R) or null.</summary>
    public string? ConfigSource { get; init; }
    /// <summary>The config as text (what the agent uploads beside the BTF), or null.</summary>
    public string? ConfigText { get; init; }

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
            VmlinuxBtf = vmlinux, BtfSha256 = Convert.ToHexStringLower(SHA256.HashData(vmlinux)), Modules = modules,
            Release = release, Config = configText is null ? null : KernelConfig.Parse(configText), ConfigSource = source,
            ConfigText = configText,
        };
    }

    /// <summary>The engine's view of this kernel (vmlinux + module BTFs, release, config). Parse once and keep it.</summary>
    public KernelBtfSet OpenEngineKernel()
    {
        var k = CompatEngine.OpenKernel(VmlinuxBtf,
            Modules.Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Key, m.Value)), Release);
        return Config is null ? k : new KernelBtfSet(k.Vmlinux, k.Modules, k.BtfSha256, k.Release, k.KfuncFlags, Config);
    }

    private static string? ReadTrimmed(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

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
