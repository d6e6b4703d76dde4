using System.Reflection;

namespace CompatService.Engine.KernelFacts;

/// <summary>
/// The generated tables embedded in the engine (KernelFacts/Data/linux-&lt;version&gt;.json.gz, one per upstream
/// version, from Debian's linux-source packages by scripts/gen-kernel-facts.sh). A kernel is judged with the table of
/// the nearest version at or below its own; a kernel newer than every table, or older than all, gets none.
/// </summary>
public static class KernelFactsCatalog
{
    private const string Prefix = "kernel-facts/linux-";

    private static readonly Lazy<IReadOnlyList<KernelFactsTable>> Loaded = new(Load);

    /// <summary>Every embedded table, oldest first.</summary>
    public static IReadOnlyList<KernelFactsTable> Tables => Loaded.Value;

    public static KernelFactsTable? Newest => Tables.Count == 0 ? null : Tables[^1];

    /// <summary>The table to judge a kernel of <paramref name="version"/> (major.minor) by.</summary>
    public static KernelFactsChoice Choose(Version? version)
    {
        if (version is null) return new KernelFactsChoice(null, KernelFactsFit.VersionUnknown);
        var mm = new Version(version.Major, version.Minor);
        var below = Tables.LastOrDefault(t => t.ParsedVersion <= mm);
        if (below is null) return new KernelFactsChoice(Tables.FirstOrDefault(), KernelFactsFit.OlderThanAll);
        if (below == Newest && mm > below.ParsedVersion) return new KernelFactsChoice(below, KernelFactsFit.NewerThanAll);
        if (below.ParsedVersion == mm) return new KernelFactsChoice(below, KernelFactsFit.Exact);
        return new KernelFactsChoice(below, KernelFactsFit.NearestBelow) { Above = Tables.First(t => t.ParsedVersion > mm) };
    }

    private static IReadOnlyList<KernelFactsTable> Load()
    {
        var asm = typeof(KernelFactsCatalog).Assembly;
        var tables = new List<KernelFactsTable>();
        foreach (var name in asm.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var s = asm.GetManifestResourceStream(name)!;
            var bytes = new MemoryStream();
            s.CopyTo(bytes);
            tables.Add(KernelFactsJson.Read(bytes.ToArray()));
        }
        tables.Sort((a, b) => a.ParsedVersion.CompareTo(b.ParsedVersion));
        return tables;
    }
}

public enum KernelFactsFit
{
    /// <summary>A table of the kernel's own major.minor.</summary>
    Exact,
    /// <summary>The nearest table below the kernel's version (facts can only have grown since).</summary>
    NearestBelow,
    /// <summary>The kernel is newer than every table: its rules cannot be decided (the table is the newest, for the message).</summary>
    NewerThanAll,
    /// <summary>The kernel is older than every table.</summary>
    OlderThanAll,
    /// <summary>The kernel's release is not known.</summary>
    VersionUnknown,
}

/// <summary>The table chosen for a kernel and how well it fits.</summary>
public sealed record KernelFactsChoice(KernelFactsTable? Table, KernelFactsFit Fit)
{
    /// <summary>For a kernel between two tables, the nearest table above it: where the two disagree, the answer is unknown.</summary>
    public KernelFactsTable? Above { get; init; }

    /// <summary>A table that decides (exact or nearest below); null when the rules must answer unknown.</summary>
    public KernelFactsTable? Deciding => Fit is KernelFactsFit.Exact or KernelFactsFit.NearestBelow ? Table : null;

    /// <summary>"linux 6.12 (linux-source-6.12 6.12.118-1)".</summary>
    public static string Describe(KernelFactsTable t) => $"linux {t.Version} table ({t.Source.Package} {t.Source.PackageVersion})";

    /// <summary>Why no table decides, for an unknown reason.</summary>
    public string WhyUndecided => Fit switch
    {
        KernelFactsFit.NewerThanAll => $"the kernel is newer than every kernel-facts table (newest: {Describe(Table!)})",
        KernelFactsFit.OlderThanAll => $"the kernel is older than every kernel-facts table (oldest: {(Table is null ? "none" : Describe(Table))})",
        KernelFactsFit.VersionUnknown => "the kernel's release is not known, so no kernel-facts table can be chosen",
        _ => "",
    };
}
