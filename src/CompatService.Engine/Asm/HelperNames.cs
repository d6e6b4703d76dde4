namespace CompatService.Engine.Asm;

/// <summary>
/// BPF helper ids (enum bpf_func_id, the imm of a `call` with src_reg 0) and their names, e.g. 1 →
/// "bpf_map_lookup_elem". The table lives in HelperNames.Table.cs, generated from a real kernel's BTF.
/// </summary>
public static partial class HelperNames
{
    private static readonly Lazy<Dictionary<string, int>> ByName = new(() =>
    {
        var map = new Dictionary<string, int>(Table.Length, StringComparer.Ordinal);
        for (var i = 1; i < Table.Length; i++) map[Table[i]] = i;
        return map;
    });

    /// <summary>The highest helper id this table knows.</summary>
    public static int MaxId => Table.Length - 1;

    /// <summary>Helper name for an id, or null for 0 (BPF_FUNC_unspec) and ids the table does not know.</summary>
    public static string? Name(int id) => id > 0 && id < Table.Length ? Table[id] : null;

    /// <summary>Helper id for a name ("bpf_map_lookup_elem" → 1), or null.</summary>
    public static int? Id(string name) => ByName.Value.TryGetValue(name, out var id) ? id : null;

    /// <summary>Every known helper as (id, name), id ascending, without BPF_FUNC_unspec.</summary>
    public static IEnumerable<KeyValuePair<int, string>> All
    {
        get
        {
            for (var i = 1; i < Table.Length; i++) yield return new KeyValuePair<int, string>(i, Table[i]);
        }
    }
}
