using System.Globalization;
using System.Text;
using CompatService.Contracts;
using CompatService.Engine.Analysis;
using ProgramResult = CompatService.Contracts.ProgramResult;
using Verdict = CompatService.Contracts.Verdict;

namespace CompatService.Reporting;

/// <summary>Human-readable forms of a <see cref="MatrixReport"/>: text (terminal), Markdown (CI comments), CSV.</summary>
public static class MatrixFormatter
{
    public static string Cell(ProgramResult r) => r.Verdict switch
    {
        Verdict.Loads when r.DisabledPaths.Count > 0 => "loads (weak paths disabled)",
        Verdict.Loads => "loads",
        Verdict.Fails => "FAILS",
        _ => "unknown",
    };

    private static string KernelName(MatrixKernel k) => k.Release ?? k.Id;

    public static string Text(MatrixReport report)
    {
        var sb = new StringBuilder();
        foreach (var o in report.Objects)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{o.Path} (sha256 {o.Sha256[..Math.Min(12, o.Sha256.Length)]})\n");
            if (o.Programs.Count == 0) sb.Append("  (no programs)\n");
            foreach (var p in o.Programs)
            {
                sb.Append(CultureInfo.InvariantCulture, $"  program {p.Name} ({p.Section}, {p.Type})\n");
                foreach (var k in p.Kfuncs)
                    sb.Append(CultureInfo.InvariantCulture, $"    needs kfunc {k.Name}{(k.Weak ? " (weak)" : "")}: calls at [{string.Join(", ", k.CallSites)}], existence checks at [{string.Join(", ", k.ExistenceChecks)}]\n");
                for (var i = 0; i < p.Results.Count; i++)
                {
                    var r = p.Results[i];
                    var kernel = report.Kernels.FirstOrDefault(k => k.Id == r.Kernel);
                    sb.Append(CultureInfo.InvariantCulture, $"    {(kernel is null ? r.Kernel : KernelName(kernel)),-40} {Cell(r)}\n");
                    foreach (var reason in r.Reasons) sb.Append(CultureInfo.InvariantCulture, $"      [{reason.Code}] {reason.Message}\n");
                    foreach (var d in r.DisabledPaths) sb.Append(CultureInfo.InvariantCulture, $"      [disabled] {d.Message}\n");
                }
            }
        }
        return sb.ToString();
    }

    public static string Markdown(MatrixReport report)
    {
        var sb = new StringBuilder();
        sb.Append("| object | program | type |");
        foreach (var k in report.Kernels) sb.Append(' ').Append(Escape(KernelName(k))).Append(" |");
        sb.Append('\n').Append("|---|---|---|");
        foreach (var _ in report.Kernels) sb.Append("---|");
        sb.Append('\n');
        var notes = new List<string>();
        foreach (var o in report.Objects)
            foreach (var p in o.Programs)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {Escape(System.IO.Path.GetFileName(o.Path))} | {Escape(p.Name)} | {Escape(p.Type)} |");
                foreach (var k in report.Kernels)
                {
                    var r = p.Results.FirstOrDefault(x => x.Kernel == k.Id);
                    var icon = r?.Verdict switch { Verdict.Loads => "✅", Verdict.Fails => "❌", _ => "❔" };
                    sb.Append(' ').Append(icon).Append(' ').Append(r is null ? "-" : Cell(r));
                    if (r is not null && r.Reasons.Any(x => !VerdictRules.IsNote(x.Code)))
                        sb.Append(" (").Append(string.Join(", ", r.Reasons.Where(x => !VerdictRules.IsNote(x.Code)).Select(x => x.Code).Distinct())).Append(')');
                    sb.Append(" |");
                    if (r is not null)
                        foreach (var reason in r.Reasons.Where(x => !VerdictRules.IsNote(x.Code)))
                            notes.Add($"- {Escape(KernelName(k))}: `{reason.Code}` {Escape(reason.Message)}");
                }
                sb.Append('\n');
            }
        if (notes.Count > 0) sb.Append("\n**Reasons**\n\n").Append(string.Join('\n', notes.Distinct())).Append('\n');
        return sb.ToString();
    }

    public static string Csv(MatrixReport report)
    {
        var sb = new StringBuilder("object,sha256,program,section,type,kernel,release,verdict,codes,disabled_paths\n");
        foreach (var o in report.Objects)
            foreach (var p in o.Programs)
                foreach (var r in p.Results)
                {
                    var k = report.Kernels.FirstOrDefault(x => x.Id == r.Kernel);
                    sb.AppendJoin(',', new[]
                    {
                        Csv(o.Path), o.Sha256, Csv(p.Name), Csv(p.Section), Csv(p.Type), Csv(r.Kernel), Csv(k?.Release ?? ""),
                        r.Verdict.ToString().ToLowerInvariant(), Csv(string.Join(';', r.Reasons.Select(x => x.Code))),
                        r.DisabledPaths.Count.ToString(CultureInfo.InvariantCulture),
                    }).Append('\n');
                }
        return sb.ToString();
    }

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    private static string Escape(string s) => s.Replace("|", "\\|").Replace("\n", " ");
}
