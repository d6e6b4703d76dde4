using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;

namespace CompatService.Kernels;

/// <summary>
/// Kernel config files (<c>config.gz</c> beside a kernel's BTF, <c>/boot/config-*</c>, <c>/proc/config.gz</c>) read into
/// the options <see cref="KernelConfig.Parse"/> keeps (only <c>CONFIG_X=value</c> lines, as libbpf reads them).
/// </summary>
public static class KernelConfigFile
{
    /// <summary>Config bytes, plain or gzip'd (config.gz), to text; limited to <paramref name="maxBytes"/>.</summary>
    public static string Decode(ReadOnlyMemory<byte> data, long maxBytes)
    {
        var kind = Compression.Detect(data.Span);
        var bytes = kind == CompressionKind.None ? data : Compression.Decompress(kind, data, maxBytes, "kernel config");
        if (bytes.Length > maxBytes) throw new InputLimitException($"kernel config larger than the limit of {maxBytes} bytes", maxBytes, 0);
        return Encoding.UTF8.GetString(bytes.Span);
    }

    /// <summary>The text of config.gz / config beside a kernel directory's BTF, or null when there is none.</summary>
    public static string? TryRead(string dir, long maxBytes = 4L << 20)
    {
        foreach (var name in new[] { "config.gz", "config" })
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return Decode(File.ReadAllBytes(path), maxBytes);
        }
        return null;
    }
}
