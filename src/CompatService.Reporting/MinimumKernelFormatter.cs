using System.Globalization;
using System.Text;
using CompatService.Contracts;

namespace CompatService.Reporting;

/// <summary>The minimum-kernel section of `compat check --minimum-kernel` as text and Markdown.</summary>
public static class MinimumKernelFormatter
{
    public static string Text(IReadOnlyList<ProgramMinimumKernels> programs)
    {
        var sb = new StringBuilder("minimum kernel per program and stream (distro · arch · flavour):\n");
        foreach (var p in programs)
        {
            sb.Append(CultureInfo.InvariantCulture, $"  {Path.GetFileName(p.Object)} / {p.Program}\n");
            if (p.Streams.Count == 0) sb.Append("    (no kernel with a release)\n");
            foreach (var s in p.Streams)
                sb.Append(CultureInfo.InvariantCulture, $"    {s.Name,-36} {s.Summary}{Unordered(s)}\n");
        }
        return sb.ToString();
    }

    public static string Markdown(IReadOnlyList<ProgramMinimumKernels> programs)
    {
        var sb = new StringBuilder("\n**Minimum kernel per stream**\n\n| object | program | stream | loads from | on the kernel before |\n|---|---|---|---|---|\n");
        foreach (var p in programs)
            foreach (var s in p.Streams)
            {
                var from = s.OldestLoads is null ? "— (not on the newest)" : s.OldestLoads.Release ?? s.OldestLoads.Id;
                var before = s.Before is null
                    ? (s.OldestLoads is null ? "" : "loads on every kernel")
                    : $"{s.Before.Release}: {(s.Before.Verdict == Verdict.Fails ? "fails" : "unknown")}"
                      + (s.Before.Needs.Count == 0 ? "" : ", " + string.Join("; ", s.Before.Needs.Select(n => n.Text)));
                sb.Append(CultureInfo.InvariantCulture,
                    $"| {Escape(Path.GetFileName(p.Object))} | {Escape(p.Program)} | {Escape(s.Name)} | {Escape(from)} | {Escape(before + Unordered(s))} |\n");
            }
        return sb.ToString();
    }

    private static string Unordered(StreamMinimumKernel s) =>
        s.Unordered == 0 ? "" : $" (+{s.Unordered} kernel(s) without a release, not ordered)";

    private static string Escape(string s) => s.Replace("|", "\\|").Replace("\n", " ");
}
