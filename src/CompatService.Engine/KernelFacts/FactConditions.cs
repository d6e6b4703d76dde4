using System.Text.RegularExpressions;
using CompatService.Engine.Object;

namespace CompatService.Engine.KernelFacts;

/// <summary>
/// Evaluates a table's conditions for one program on one kernel, three-valued (true / false / null = cannot tell):
/// capabilities hold (a privileged loader: root, as libbpf and the agent load), kernel lockdown is off, "sleepable" is the
/// program's section flag, "attach_type ==/!=/in/not in" its expected attach type, "prog->type == X" its type, kconfig
/// tests read the kernel's config (null when it is not known). Anything else cannot be told.
/// </summary>
public static partial class FactConditions
{
    [GeneratedRegex(@"^(?:IS_ENABLED|IS_BUILTIN|defined)\s*\(\s*(CONFIG_\w+)\s*\)$|^(CONFIG_\w+)$")]
    private static partial Regex ConfigTest();

    [GeneratedRegex(@"^attach_type (==|!=) BPF_(\w+)$")]
    private static partial Regex AttachCompare();

    [GeneratedRegex(@"^attach_type (in|not in) \(([\w|]+)\)$")]
    private static partial Regex AttachIn();

    [GeneratedRegex(@"^prog->type (==|!=) BPF_PROG_TYPE_(\w+)$")]
    private static partial Regex ProgType();

    /// <summary>All conditions of one alternative: false if any is false, null if any cannot be told, else true.</summary>
    public static bool? All(IEnumerable<string> conds, ProgramSectionInfo program, IReadOnlyDictionary<string, string>? config)
    {
        bool? result = true;
        foreach (var c in conds)
        {
            var v = Eval(c, program, config);
            if (v == false) return false;
            if (v is null) result = null;
        }
        return result;
    }

    public static bool? Eval(string cond, ProgramSectionInfo program, IReadOnlyDictionary<string, string>? config)
    {
        var c = cond.Trim();
        if (c.StartsWith("!(", StringComparison.Ordinal) && c.EndsWith(')')) return Not(EvalExpr(c[2..^1], program, config));
        if (c.StartsWith('!')) return Not(Eval(c[1..], program, config));
        return EvalExpr(c, program, config);
    }

    private static bool? EvalExpr(string c, ProgramSectionInfo program, IReadOnlyDictionary<string, string>? config)
    {
        c = c.Trim();
        if (Split(c, "||") is { Count: > 1 } ors) return ors.Select(o => Eval(o, program, config)).Aggregate((bool?)false, (a, b) => a == true || b == true ? true : a is null || b is null ? null : false);
        if (Split(c, "&&") is { Count: > 1 } ands) return All(ands, program, config);
        if (c.StartsWith("CAP_", StringComparison.Ordinal)) return true;
        if (c.StartsWith("locked_down(", StringComparison.Ordinal)) return false;
        if (c == "sleepable") return program.Sleepable;
        var attach = (program.AttachType ?? "cgroup_inet_ingress").ToUpperInvariant();
        if (AttachCompare().Match(c) is { Success: true } a) return (a.Groups[2].Value == attach) == (a.Groups[1].Value == "==");
        if (AttachIn().Match(c) is { Success: true } i)
            return i.Groups[2].Value.Split('|').Select(v => v.StartsWith("BPF_", StringComparison.Ordinal) ? v[4..] : v).Contains(attach) == (i.Groups[1].Value == "in");
        if (ProgType().Match(c) is { Success: true } p) return (p.Groups[2].Value == program.ProgramType.ToUpperInvariant()) == (p.Groups[1].Value == "==");
        if (ConfigTest().Match(c) is { Success: true } k)
        {
            var name = k.Groups[1].Success ? k.Groups[1].Value : k.Groups[2].Value;
            if (config is null) return null;
            var v = config.GetValueOrDefault(name);
            // #ifdef CONFIG_X / defined(): built in only (a module defines CONFIG_X_MODULE); IS_ENABLED: built in or module.
            return c.StartsWith("IS_ENABLED", StringComparison.Ordinal) ? v is "y" or "m" : v == "y";
        }
        if (c == "bpf_prog_has_trampoline(prog)")
            return (program.ProgramType, program.AttachType) is ("tracing", "trace_fentry" or "trace_fexit" or "modify_return" or "trace_fsession") or ("lsm", "lsm_mac");
        return null;
    }

    private static bool? Not(bool? v) => v is null ? null : !v;

    private static List<string> Split(string s, string op)
    {
        var parts = new List<string>();
        int depth = 0, last = 0;
        for (var i = 0; i + op.Length <= s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (depth == 0 && string.CompareOrdinal(s, i, op, 0, op.Length) == 0) { parts.Add(s[last..i]); last = i + op.Length; i += op.Length - 1; }
        }
        parts.Add(s[last..]);
        return parts;
    }
}
