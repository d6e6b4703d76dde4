using CompatService.Engine.KernelFacts;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.KernelFacts;

/// <summary>The embedded tables: provenance, how a kernel picks one, and their KF_* flags against the corpus images'.</summary>
public sealed class KernelFactsTablesTests
{
    [Fact]
    public void EveryTable_NamesItsDebianPackage_AndIsSmall()
    {
        Assert.Equal(["5.10", "6.1", "6.12", "7.2", "7.3"], KernelFactsCatalog.Tables.Select(t => t.Version));
        foreach (var t in KernelFactsCatalog.Tables)
        {
            Assert.Equal($"linux-source-{t.Version}", t.Source.Package);
            Assert.Matches("^[0-9a-f]{64}$", t.Source.Sha256);
            Assert.StartsWith(t.Version + ".", t.Source.PackageVersion, StringComparison.Ordinal);
            Assert.True(t.ProgramTypes.Count >= 28, $"{t.Version}: {t.ProgramTypes.Count} program types");
        }
        var data = Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "src", "CompatService.Engine", "KernelFacts", "Data"), "*.json.gz");
        Assert.True(data.Sum(f => new FileInfo(f).Length) < 300 * 1024);
    }

    [Theory]
    [InlineData("6.1.0-47-amd64", "6.1", KernelFactsFit.Exact, null)]
    [InlineData("6.18.44-fc", "6.12", KernelFactsFit.NearestBelow, "7.2")]
    [InlineData("6.6.0", "6.1", KernelFactsFit.NearestBelow, "6.12")]
    [InlineData("7.3.4", "7.3", KernelFactsFit.Exact, null)]
    [InlineData("7.4.0", "7.3", KernelFactsFit.NewerThanAll, null)]
    [InlineData("5.4.0", "5.10", KernelFactsFit.OlderThanAll, null)]
    public void AKernel_IsJudgedByTheNearestTableAtOrBelow(string release, string table, KernelFactsFit fit, string? above)
    {
        var choice = KernelFactsCatalog.Choose(CompatService.Engine.Analysis.KernelFeatures.ParseRelease(release));
        Assert.Equal(table, choice.Table!.Version);
        Assert.Equal(fit, choice.Fit);
        Assert.Equal(above, choice.Above?.Version);
        if (fit == KernelFactsFit.NewerThanAll) Assert.Contains("newest: linux 7.3", choice.WhyUndecided);
    }

    public static TheoryData<string> CorpusKernelsWithImageFlags()
    {
        var data = new TheoryData<string>();
        var root = Path.Combine(TestPaths.Corpus, "btf");
        if (!Directory.Exists(root)) return data;
        foreach (var d in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
            // kernels of a version no table has exactly (none in the corpus today) are left out: their flags are not compared
            if (File.Exists(Path.Combine(d, "kfuncs-btf_ids.txt"))
                && KernelFactsCatalog.Tables.Any(t => t.Version == TestData.Family(Path.GetFileName(d)))) data.Add(Path.GetFileName(d));
        return data;
    }

    /// <summary>For every corpus kernel whose image .BTF_ids we have, the table of its version gives the same flags for every kfunc both know.</summary>
    [CorpusTheory]
    [MemberData(nameof(CorpusKernelsWithImageFlags))]
    public void TableFlags_EqualTheImageFlags(string dir)
    {
        var image = KernelTestData.ExpectedKfuncs(dir);
        var version = TestData.Family(dir);
        var table = KernelFactsCatalog.Tables.Single(t => t.Version == version);
        var flags = KernelFactsQueries.KfuncFlags(table);
        var compared = 0;
        var differ = new List<string>();
        foreach (var (name, f) in image)
        {
            if (!flags.TryGetValue(name, out var tf)) continue;
            compared++;
            if (tf != f) differ.Add($"{name}: image 0x{f:x}, table 0x{tf:x}");
        }
        Assert.True(differ.Count == 0, string.Join("\n", differ));
        Assert.True(image.Count == 0 || compared * 2 >= image.Count, $"{dir}: only {compared} of {image.Count} image kfuncs are in the table");
    }
}
