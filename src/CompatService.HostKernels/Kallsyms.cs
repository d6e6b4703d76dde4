using System.Globalization;

namespace CompatService.HostKernels;

/// <summary>/proc/kallsyms: symbol → address (first occurrence). Zero addresses (kptr_restrict) count as unknown.</summary>
public sealed class Kallsyms
{
    private readonly Dictionary<string, ulong> _symbols;

    private Kallsyms(Dictionary<string, ulong> symbols) => _symbols = symbols;

    public int Count => _symbols.Count;

    public ulong? Find(string name) => _symbols.TryGetValue(name, out var a) && a != 0 ? a : null;

    public static Kallsyms Parse(TextReader reader)
    {
        var map = new Dictionary<string, ulong>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            // "ffffffff81000000 T _stext" or "... t name\t[module]"
            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || !ulong.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var addr)) continue;
            map.TryAdd(parts[2], addr);
        }
        return new Kallsyms(map);
    }

    public static Kallsyms Load(string path = "/proc/kallsyms")
    {
        try
        {
            using var r = File.OpenText(path);
            return Parse(r);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new Kallsyms([]);
        }
    }
}
