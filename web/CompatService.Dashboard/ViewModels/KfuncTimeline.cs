using CompatService.Contracts;

namespace CompatService.Dashboard.ViewModels;

/// <summary>
/// One kfunc across kernels, laid out for the timeline chart: a lane per distro stream (distro · arch · flavour), a column
/// per kernel version (aligned across lanes), a point per kernel marked with its prototype variant (A, B, …).
/// </summary>
public sealed class KfuncTimeline
{
    /// <summary><see cref="Unknown"/>: absent from a kernel whose kfuncs are not known at all (no tags, no .BTF_ids): "unknown", not "no".</summary>
    public sealed record Point(KfuncPresence Kernel, int Column, string? Variant, bool Unknown = false);

    public sealed record Lane(string Stream, IReadOnlyList<Point> Points, string? Since, string? Until, IReadOnlyList<string> Changes)
    {
        /// <summary>Some kernel before <see cref="Since"/> in this stream has no known kfuncs: it may have had it.</summary>
        public bool UnknownBefore => Since is not null && Points.TakeWhile(p => !p.Kernel.Present).Any(p => p.Unknown);
    }

    public string Name { get; }
    public IReadOnlyList<string> Versions { get; }
    public IReadOnlyList<Lane> Lanes { get; }
    /// <summary>Prototype variants in order of first appearance (by version): letter → prototype.</summary>
    public IReadOnlyList<(string Letter, string Prototype)> Variants { get; }
    public int PresentCount { get; }
    public int KernelCount { get; }
    /// <summary>Kernels without the kfunc whose kfuncs are not known at all.</summary>
    public int UnknownCount => Lanes.Sum(l => l.Points.Count(p => p.Unknown));

    private KfuncTimeline(string name, IReadOnlyList<string> versions, IReadOnlyList<Lane> lanes,
        IReadOnlyList<(string, string)> variants, int present, int kernels)
    {
        Name = name;
        Versions = versions;
        Lanes = lanes;
        Variants = variants;
        PresentCount = present;
        KernelCount = kernels;
    }

    /// <summary>The column of a kernel: its release without the stream's flavour / arch suffix, so one build lines up across streams.</summary>
    public static string VersionKey(KfuncPresence k) => ReleaseLabel.Short(k.Release, k.Flavour, k.Arch);

    public static string StreamOf(KfuncPresence k) => $"{k.Distro ?? "unknown distro"} · {k.Arch ?? "unknown arch"} · {k.Flavour ?? "default"}";

    /// <param name="kernelsWithoutKfuncInfo">Kernels the service knows no kfunc of (no bpf_kfunc tags, no .BTF_ids).</param>
    public static KfuncTimeline Build(KfuncHistoryDto h, IReadOnlySet<long>? kernelsWithoutKfuncInfo = null)
    {
        var ordered = h.Kernels.OrderBy(VersionKey, ReleaseVersion.Comparer).ThenBy(k => k.KernelId).ToList();
        var versions = ordered.Select(VersionKey).Distinct().ToList();
        var column = versions.Select((v, i) => (v, i)).ToDictionary(x => x.v, x => x.i);

        var variants = new List<(string Letter, string Prototype)>();
        string? Letter(string? proto)
        {
            if (proto is null) return null;
            var i = variants.FindIndex(v => v.Prototype == proto);
            if (i >= 0) return variants[i].Letter;
            var letter = i < 0 && variants.Count < 26 ? ((char)('A' + variants.Count)).ToString() : "#" + (variants.Count + 1);
            variants.Add((letter, proto));
            return letter;
        }

        var points = ordered.Select(k => new Point(k, column[VersionKey(k)], k.Present ? Letter(k.Prototype ?? "") : null,
            !k.Present && kernelsWithoutKfuncInfo?.Contains(k.KernelId) == true)).ToList();
        var lanes = points.GroupBy(p => StreamOf(p.Kernel)).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var list = g.ToList();
            var first = list.FindIndex(p => p.Kernel.Present);
            var lastPresent = list.FindLastIndex(p => p.Kernel.Present);
            var since = first >= 0 ? list[first].Kernel.Release : null;
            var until = lastPresent >= 0 && lastPresent < list.Count - 1 && !list[lastPresent + 1].Unknown ? list[lastPresent + 1].Kernel.Release : null;
            var changes = new List<string>();
            string? prev = null;
            foreach (var p in list.Where(p => p.Kernel.Present))
            {
                if (prev is not null && p.Variant != prev) changes.Add($"{prev} → {p.Variant} in {p.Kernel.Release}");
                prev = p.Variant;
            }
            return new Lane(g.Key, list, since, until, changes);
        }).ToList();
        return new KfuncTimeline(h.Name, versions, lanes, variants, ordered.Count(k => k.Present), ordered.Count);
    }
}
