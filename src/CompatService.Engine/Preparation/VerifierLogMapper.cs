using System.Text.RegularExpressions;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>
/// Maps the kernel's message for a reached poisoned call (`invalid func unknown#2002000NNN`) back to the kfunc's name,
/// as libbpf's fixup_verifier_log does: "kfunc 'X' is referenced but wasn't resolved".
/// </summary>
public static partial class VerifierLogMapper
{
    [GeneratedRegex(@"(?<insn>\d+): \(85\) call unknown#(?<imm>\d+)\ninvalid func unknown#\k<imm>\n?|invalid func unknown#(?<imm2>\d+)")]
    private static partial Regex Poison();

    /// <summary>The first unresolved kfunc the log's poisoned call stands for, or null.</summary>
    public static (int Index, string Name, int? Insn)? FindPoisonedKfunc(string log, IReadOnlyList<BpfExtern> externs)
    {
        foreach (Match m in Poison().Matches(log))
        {
            var immText = m.Groups["imm"].Success ? m.Groups["imm"].Value : m.Groups["imm2"].Value;
            if (!long.TryParse(immText, out var imm) || imm < KfuncFixups.PoisonCallKfuncBase) continue;
            var index = (int)(imm - KfuncFixups.PoisonCallKfuncBase);
            var ext = externs.FirstOrDefault(e => e.Index == index);
            if (ext is null) continue;
            int? insn = m.Groups["insn"].Success ? int.Parse(m.Groups["insn"].Value) : null;
            return (index, ext.Name, insn);
        }
        return null;
    }

    public static string Message(string name) => $"kfunc '{name}' is referenced but wasn't resolved";

    /// <summary>The log with each poisoned-call failure rewritten the way libbpf prints it.</summary>
    public static string Rewrite(string log, IReadOnlyList<BpfExtern> externs) => Poison().Replace(log, m =>
    {
        var immText = m.Groups["imm"].Success ? m.Groups["imm"].Value : m.Groups["imm2"].Value;
        if (!long.TryParse(immText, out var imm) || imm < KfuncFixups.PoisonCallKfuncBase) return m.Value;
        var ext = externs.FirstOrDefault(e => e.Index == (int)(imm - KfuncFixups.PoisonCallKfuncBase));
        if (ext is null) return m.Value;
        var prefix = m.Groups["insn"].Success ? $"{m.Groups["insn"].Value}: <invalid kfunc call>\n" : "";
        return prefix + Message(ext.Name) + "\n";
    });

    /// <summary>The verifier's last non-empty line that says something (skips "processed N insns" statistics).</summary>
    public static string LastLine(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        for (var i = lines.Length - 1; i >= 0; i--)
            if (!lines[i].StartsWith("processed ", StringComparison.Ordinal) && !lines[i].StartsWith("verification time", StringComparison.Ordinal) &&
                !lines[i].StartsWith("stack depth", StringComparison.Ordinal) && lines[i] != "\0")
                return lines[i];
        return "";
    }
}
