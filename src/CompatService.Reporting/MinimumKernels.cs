using System.Globalization;
using CompatService.Contracts;
using CompatService.Engine.Analysis;
using CompatService.Engine.Asm;
using ProgramResult = CompatService.Contracts.ProgramResult;
using Reason = CompatService.Contracts.Reason;
using Verdict = CompatService.Contracts.Verdict;

namespace CompatService.Reporting;

/// <summary>A matrix kernel with the labels its stream is made of (distro · arch · flavour, as the matrix groups kernels).</summary>
public sealed record StreamKernel(string Id, string? Release, string? Distro, string? Arch, string? Flavour);

/// <summary>
/// The minimum kernel of each program in each stream, from the matrix cells alone (verdicts and reasons), so every face
/// (`compat check --minimum-kernel`, the API's object requirements, the object page) says the same. Within a stream,
/// kernels are ordered by their release numbers; walking down from the newest, the minimum is the oldest kernel of the
/// unbroken run of "loads" — a kernel that loads only below a failing one is not a minimum anybody can rely on — and
/// "before" is the next older kernel with the reasons it fails (or is unknown) there.
/// </summary>
public static partial class MinimumKernels
{
    public static IReadOnlyList<ProgramMinimumKernels> Compute(MatrixReport report, IReadOnlyList<StreamKernel> kernels)
    {
        var inReport = report.Kernels.Select(k => k.Id).ToHashSet(StringComparer.Ordinal);
        var streams = kernels.Where(k => inReport.Contains(k.Id))
            .GroupBy(k => (k.Distro, k.Arch, k.Flavour))
            .OrderBy(g => g.Key.Distro ?? "\uffff", StringComparer.Ordinal).ThenBy(g => g.Key.Arch ?? "\uffff", StringComparer.Ordinal)
            .ThenBy(g => g.Key.Flavour ?? "", StringComparer.Ordinal)
            .ToArray();
        var list = new List<ProgramMinimumKernels>();
        foreach (var o in report.Objects)
            foreach (var p in o.Programs)
            {
                var results = p.Results.GroupBy(r => r.Kernel, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
                var perStream = streams.Select(s => Stream(s.Key, s.ToArray(), results)).OfType<StreamMinimumKernel>().ToArray();
                list.Add(new ProgramMinimumKernels(o.Path, o.Sha256, p.Name, perStream));
            }
        return list;
    }

    private static StreamMinimumKernel? Stream((string? Distro, string? Arch, string? Flavour) key, IReadOnlyList<StreamKernel> kernels,
        IReadOnlyDictionary<string, ProgramResult> results)
    {
        var ordered = kernels.Where(k => k.Release is not null && results.ContainsKey(k.Id))
            .OrderByDescending(k => k.Release, ReleaseComparer.Instance).ToArray();
        var unordered = kernels.Count(k => k.Release is null && results.ContainsKey(k.Id));
        if (ordered.Length == 0) return null;
        StreamKernel? oldest = null;
        KernelBlocker? before = null;
        foreach (var k in ordered)
        {
            var r = results[k.Id];
            if (r.Verdict == Verdict.Loads) { oldest = k; continue; }
            before = new KernelBlocker(k.Id, k.Release, r.Verdict, Needs(r));
            break;
        }
        var newest = ordered[0];
        return new StreamMinimumKernel(key.Distro, key.Arch, key.Flavour, ordered.Length, unordered,
            oldest is null ? null : new KernelRef(oldest.Id, oldest.Release), new KernelRef(newest.Id, newest.Release), before,
            Summary(oldest, newest, ordered.Length, before));
    }

    private static string Summary(StreamKernel? oldest, StreamKernel newest, int count, KernelBlocker? before)
    {
        var why = before is null ? "" : $"{before.Release}: {(before.Verdict == Verdict.Fails ? "fails" : "unknown")}"
            + (before.Needs.Count == 0 ? "" : ", " + string.Join("; ", before.Needs.Select(n => n.Text)));
        if (oldest is null) return $"does not load on the newest kernel, {why}";
        if (before is null) return count == 1 ? $"loads on {oldest.Release} (the only kernel)" : $"loads on every kernel, from {oldest.Release}";
        return $"loads from {oldest.Release}; {why}";
    }

    /// <summary>The deciding (non-note) reasons of a cell as needs, one per code and symbol.</summary>
    public static IReadOnlyList<KernelNeed> Needs(ProgramResult r) =>
        r.Reasons.Where(x => !VerdictRules.IsNote(x.Code))
            .GroupBy(x => (x.Code, x.Symbol))
            .Select(g => new KernelNeed(g.Key.Code, g.Key.Symbol, Need(g.First())))
            .ToArray();

    /// <summary>"needs `bpf_loop` (helper 181)": what the reason says the kernel lacks; the message itself for other codes.</summary>
    public static string Need(Reason r) => (r.Code, r.Symbol) switch
    {
        (ReasonCodes.HelperMissing, { } s) => HelperNames.Id(s) is { } id ? $"needs `{s}` (helper {id})" : $"needs `{s}`",
        (ReasonCodes.ProgramTypeUnsupported, { } s) => $"needs program type `{s}`",
        (ReasonCodes.AttachTypeUnsupported, { } s) => $"needs attach type `{s}`",
        (ReasonCodes.KfuncMissing, { } s) => $"needs kfunc `{s}`",
        (ReasonCodes.KsymMissing or ReasonCodes.TypelessKsymMissing, { } s) => $"needs ksym `{s}`",
        (ReasonCodes.IsaUnsupported, { } s) => $"needs {s}",
        (ReasonCodes.HelperNotAllowed, { } s) => HelperNames.Id(s) is { } id ? $"`{s}` (helper {id}) not allowed for this program type" : $"`{s}` not allowed for this program type",
        (ReasonCodes.KfuncNotAllowed, { } s) => $"kfunc `{s}` not allowed for this program type",
        (ReasonCodes.KsymNotInKallsyms, { } s) => $"needs ksym `{s}` in kallsyms (CONFIG_KALLSYMS_ALL)",
        (ReasonCodes.KfuncsUnsupported, _) => "needs kfunc calls (Linux ≥ 5.13)",
        (ReasonCodes.KsymExistsUnsupported, { } s) => $"bpf_ksym_exists(`{s}`) needs Linux ≥ 6.4",
        (ReasonCodes.WeakKfuncUnguarded, { } s) => $"calls weak kfunc `{s}` unguarded, and the kernel lacks it",
        (ReasonCodes.MapTypeUnsupported, { } s) => MapType().Match(r.Message) is { Success: true } m ? $"needs map type `{m.Value}` (map `{s}`)" : $"needs the type of map `{s}`",
        _ => $"{r.Code}: {r.Message}",
    };

    [System.Text.RegularExpressions.GeneratedRegex(@"BPF_MAP_TYPE_\w+")]
    private static partial System.Text.RegularExpressions.Regex MapType();

    /// <summary>Orders releases by their leading numbers ("6.12.117+deb13-amd64" → 6.12.117), then ordinally.</summary>
    public sealed class ReleaseComparer : IComparer<string?>
    {
        public static readonly ReleaseComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            if (x is null || y is null) return x is null ? (y is null ? 0 : -1) : 1;
            var a = Numbers(x);
            var b = Numbers(y);
            for (var i = 0; i < Math.Max(a.Count, b.Count); i++)
            {
                var c = (i < a.Count ? a[i] : -1).CompareTo(i < b.Count ? b[i] : -1);
                if (c != 0) return c;
            }
            return string.CompareOrdinal(x, y);
        }

        private static List<long> Numbers(string release)
        {
            var list = new List<long>();
            foreach (var token in release.Split('.', '-', '+', '_', '~'))
            {
                if (token.Length == 0 || token.Length > 9 || !token.All(char.IsAsciiDigit)) break;
                list.Add(long.Parse(token, CultureInfo.InvariantCulture));
            }
            return list;
        }
    }
}
