using System.Text.RegularExpressions;

namespace CompatService.KernelFacts.Generator;

/// <summary>
/// Spells conditions the way the engine evaluates them: capabilities as "CAP_BPF" / "CAP_PERFMON" / "CAP_SYS_ADMIN",
/// <c>prog-&gt;aux-&gt;sleepable</c> as "sleepable", <c>prog-&gt;expected_attach_type == BPF_X</c> as
/// "attach_type == BPF_X", kconfig tests as written ("CONFIG_X", "IS_ENABLED(CONFIG_X)"); others stay as written.
/// </summary>
public static partial class ConditionNames
{
    [GeneratedRegex(@"^(!?)\s*bpf_token_capable\s*\([^,]*,\s*(CAP_\w+)\s*\)$")]
    private static partial Regex TokenCapable();

    [GeneratedRegex(@"^(!?)\s*(?:capable|ns_capable\s*\([^,]*,)\s*\(?\s*(CAP_\w+)\s*\)$")]
    private static partial Regex Capable();

    public static string Normalize(string cond)
    {
        var c = CSource.Normalize(FuncProtoEvaluator.StripParens(cond));
        if (c.StartsWith("!(", StringComparison.Ordinal) && CSource.IsAtom(c[1..]))
        {
            var inner = Normalize(c[2..^1]);
            return inner.Contains(' ', StringComparison.Ordinal) && !inner.StartsWith("attach_type", StringComparison.Ordinal) ? "!(" + inner + ")" : NegateSimple(inner);
        }
        var lockdown = Regex.Match(c, @"^(!?)\(?\s*security_locked_down\s*\(\s*(\w+)\s*\)\s*<\s*0\s*\)?$");
        if (lockdown.Success) return (lockdown.Groups[1].Value.Length > 0 ? "!" : "") + $"locked_down({lockdown.Groups[2].Value})";
        var neg = c.StartsWith('!') ? "!" : "";
        var body = neg.Length > 0 ? c[1..].Trim() : c;
        body = body switch
        {
            "bpf_capable()" => "CAP_BPF",
            "perfmon_capable()" => "CAP_PERFMON",
            "prog->aux->sleepable" or "prog->sleepable" => "sleepable",
            _ => body,
        };
        if (TokenCapable().Match(c) is { Success: true } t) return t.Groups[1].Value + t.Groups[2].Value;
        if (Capable().Match(c) is { Success: true } k) return k.Groups[1].Value + k.Groups[2].Value;
        var attach = Regex.Match(body, @"^prog->expected_attach_type\s*(==|!=)\s*(\w+)$");
        if (attach.Success)
        {
            var op = attach.Groups[1].Value;
            if (neg.Length > 0) op = op == "==" ? "!=" : "==";
            return $"attach_type {op} {attach.Groups[2].Value}";
        }
        return neg + body;
    }

    private static string NegateSimple(string c) =>
        c.StartsWith("attach_type == ", StringComparison.Ordinal) ? "attach_type != " + c[15..]
        : c.StartsWith("attach_type != ", StringComparison.Ordinal) ? "attach_type == " + c[15..]
        : CSource.Negate(c);
}
