using System.Text;
using CompatService.Contracts;

namespace CompatService.Agent.Commands;

/// <summary>`--format json`: {"kernel":{"release","btfSha256"},"programs":[...]}.</summary>
public sealed record AgentOutput(
    AgentKernelInfo Kernel,
    IReadOnlyList<AgentProgramLine> Programs);

public sealed record AgentKernelInfo(
    string? Release,
    string BtfSha256);

/// <summary>One program: prediction, observation (<see cref="Loaded"/> null for `check` or when not attempted), why.</summary>
public sealed record AgentProgramLine(
    string Object,
    string Name,
    Verdict Predicted,
    bool? Loaded,
    int? Errno,
    string? VerifierTail,
    IReadOnlyList<Reason> Reasons);

public static class AgentOutputText
{
    /// <summary>
    /// Text output. Each reason code is printed once per program (its first message, then how many more like it);
    /// <paramref name="verbose"/> prints every message.
    /// </summary>
    public static string Render(AgentOutput o, bool verbose = false)
    {
        var sb = new StringBuilder();
        sb.Append("kernel ").Append(o.Kernel.Release ?? "(unknown release)").Append(" btf ").AppendLine(o.Kernel.BtfSha256[..Math.Min(16, o.Kernel.BtfSha256.Length)]);
        foreach (var p in o.Programs)
        {
            var observed = p.Loaded switch
            {
                true => "  loaded",
                false => $"  FAILED{(p.Errno is { } e ? $" ({Loader.Syscalls.Errno.Name(e)})" : "")}",
                null => "",
            };
            sb.Append(Path.GetFileName(p.Object)).Append(": ").Append(p.Name).Append(": predicted ").Append(Wire(p.Predicted)).AppendLine(observed);
            foreach (var group in p.Reasons.GroupBy(r => r.Code))
            {
                var all = group.ToList();
                foreach (var r in verbose ? all : all.Take(1)) sb.Append("    ").Append(r.Code).Append(": ").AppendLine(r.Message);
                if (!verbose && all.Count > 1)
                    sb.Append("    ").Append(group.Key).Append(": ... and ").Append(all.Count - 1).AppendLine(" more like it (--verbose lists them)");
            }
            if (p.VerifierTail is { Length: > 0 } tail && p.Loaded != true)
                foreach (var line in tail.Split('\n')) sb.Append("    | ").AppendLine(line);
        }
        return sb.ToString();
    }

    public static string Wire(Verdict v) => v switch { Verdict.Loads => "loads", Verdict.Fails => "fails", _ => "unknown" };
}
