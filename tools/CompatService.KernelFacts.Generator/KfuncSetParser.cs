using System.Text.RegularExpressions;
using CompatService.Engine.KernelFacts;

namespace CompatService.KernelFacts.Generator;

/// <summary>
/// kfunc sets and their registrations in one file: <c>BTF_SET8_START(x)</c> / <c>BTF_KFUNCS_START(x)</c> …
/// <c>BTF_ID_FLAGS(func, name, flags)</c> … <c>_END(x)</c>; <c>struct btf_kfunc_id_set y = { .set = &amp;x, .filter = f }</c>;
/// <c>register_btf_kfunc_id_set(BPF_PROG_TYPE_Z, &amp;y)</c>.
/// </summary>
public static partial class KfuncSetParser
{
    [GeneratedRegex(@"^\s*BTF_(?:SET8|KFUNCS)_START\s*\(\s*(\w+)\s*\)")]
    private static partial Regex SetStart();

    [GeneratedRegex(@"^\s*BTF_(?:SET8|KFUNCS)_END\s*\(")]
    private static partial Regex SetEnd();

    [GeneratedRegex(@"^\s*BTF_ID_FLAGS\s*\(\s*func\s*,\s*(\w+)\s*(?:,\s*([^)]*))?\)")]
    private static partial Regex IdFlags();

    [GeneratedRegex(@"struct\s+btf_kfunc_id_set\s+(\w+)\s*=\s*\{([^}]*)\}")]
    private static partial Regex IdSetStruct();

    [GeneratedRegex(@"register_btf_kfunc_id_set\s*\(\s*(\w+)\s*,\s*&\s*(\w+)\s*\)")]
    private static partial Regex Register();

    public sealed record FileKfuncs(IReadOnlyList<KfuncSetFact> Sets, IReadOnlyList<(string ProgTypeEnum, string IdSet, string? Condition)> Calls,
        IReadOnlyDictionary<string, (string Set, string? Filter)> IdSets);

    public static FileKfuncs Parse(CSource file)
    {
        var sets = new List<KfuncSetFact>();
        string? current = null;
        List<KfuncFact>? kfuncs = null;
        IReadOnlyList<string>? setConds = null;
        foreach (var line in file.Lines)
        {
            if (line.IsDirective) continue;
            var start = SetStart().Match(line.Text);
            if (start.Success) { current = start.Groups[1].Value; kfuncs = []; setConds = line.Conditions; continue; }
            if (current is null) continue;
            if (SetEnd().IsMatch(line.Text))
            {
                sets.Add(new KfuncSetFact(file.RelativePath + ":" + current, kfuncs!));
                current = null;
                continue;
            }
            var m = IdFlags().Match(line.Text);
            if (!m.Success) continue;
            var flags = m.Groups[2].Success ? CSource.Normalize(m.Groups[2].Value).Replace(" ", "", StringComparison.Ordinal) : "0";
            var extra = line.Conditions.Skip(setConds!.Count).ToArray();
            kfuncs!.Add(new KfuncFact(m.Groups[1].Value, flags.Length == 0 ? "0" : flags, extra.Length == 0 ? null : string.Join(" && ", extra)));
        }

        var idSets = new Dictionary<string, (string, string?)>(StringComparer.Ordinal);
        foreach (Match m in IdSetStruct().Matches(file.Text))
        {
            var body = m.Groups[2].Value;
            var set = Regex.Match(body, @"\.set\s*=\s*&\s*(\w+)");
            var filter = Regex.Match(body, @"\.filter\s*=\s*(\w+)");
            if (set.Success) idSets[m.Groups[1].Value] = (file.RelativePath + ":" + set.Groups[1].Value, filter.Success ? filter.Groups[1].Value : null);
        }

        var calls = new List<(string, string, string?)>();
        foreach (Match m in Register().Matches(file.Text))
        {
            var conds = file.Lines[file.LineAt(m.Index)].Conditions;
            calls.Add((m.Groups[1].Value, m.Groups[2].Value, conds.Count == 0 ? null : string.Join(" && ", conds)));
        }
        return new FileKfuncs(sets, calls, idSets);
    }
}
