using System.Globalization;
using CompatService.Engine.Kernels;

namespace CompatService.HostKernels;

/// <summary>
/// The running kernel's /proc/kallsyms as the engine's <see cref="KallsymsTable"/>: what libbpf reads for typeless ksyms
/// (<c>libbpf_kallsyms_parse</c>: "addr type name [module]", module symbols included — they are the loaded modules'),
/// and what the agent relocates ksym addresses from. Addresses are kept only when they are visible (root, or
/// kptr_restrict off): all-zero addresses mean "names only", which still decides presence but not ambiguity.
/// </summary>
public static class HostKallsyms
{
    public const string Path = "/proc/kallsyms";

    /// <summary>The table, or null when the file is missing or unreadable (then typeless ksyms stay undecided).</summary>
    public static KallsymsTable? Read(string path = Path)
    {
        try
        {
            using var reader = File.OpenText(path);
            var table = Parse(reader, $"{path} (vmlinux and the modules loaded when it was read)");
            return table.Count == 0 ? null : table;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static KallsymsTable Parse(TextReader reader, string origin)
    {
        var entries = new List<(string Name, char Type, ulong? Address)>(1 << 17);
        var anyAddress = false;
        while (reader.ReadLine() is { } line)
        {
            // "ffffffff81000000 T _stext" or "ffffffffc0a01000 t name\t[module]"
            var parts = line.Split([' ', '\t'], 4, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || parts[1].Length != 1
                || !ulong.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address)) continue;
            anyAddress |= address != 0;
            entries.Add((parts[2], parts[1][0], address));
        }
        if (!anyAddress) entries = entries.Select(e => (e.Name, e.Type, (ulong?)null)).ToList();
        return KallsymsTable.Build(entries, origin, includesModules: true);
    }
}
