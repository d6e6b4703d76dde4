using System.Text;
using CompatService.Engine.Binary;

namespace CompatService.Kernels;

/// <summary>
/// A kernel config (<c>.config</c>, <c>/boot/config-*</c>, <c>/proc/config.gz</c>) as libbpf reads it for
/// <c>__kconfig</c> externs: only <c>CONFIG_X=value</c> lines count (value as written: y, m, 250, "str");
/// <c># CONFIG_X is not set</c> is a comment, so such options are simply absent.
/// </summary>
public static class KernelConfig
{
    public static IReadOnlyDictionary<string, string> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (!line.StartsWith("CONFIG_", StringComparison.Ordinal)) continue;
            var eq = line.IndexOf('=');
            if (eq <= "CONFIG_".Length) continue;
            result[line[..eq]] = line[(eq + 1)..];
        }
        return result;
    }

    /// <summary>Config bytes, plain or gzip'd (config.gz), to text; limited to <paramref name="maxBytes"/>.</summary>
    public static string Decode(ReadOnlyMemory<byte> data, long maxBytes)
    {
        var kind = Compression.Detect(data.Span);
        var bytes = kind == CompressionKind.None ? data : Compression.Decompress(kind, data, maxBytes, "kernel config");
        if (bytes.Length > maxBytes) throw new BpfFormatException($"kernel config larger than the limit of {maxBytes} bytes", 0);
        return Encoding.UTF8.GetString(bytes.Span);
    }

    /// <summary>config.gz / config beside a kernel directory's BTF, or null when there is none.</summary>
    public static IReadOnlyDictionary<string, string>? TryLoad(string dir, long maxBytes = 4L << 20)
    {
        foreach (var name in new[] { "config.gz", "config" })
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return Parse(Decode(File.ReadAllBytes(path), maxBytes));
        }
        return null;
    }
}
