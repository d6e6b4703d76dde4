using CompatService.Cli;
using CompatService.Tests.Shared;

namespace CompatService.Cli.Tests;

/// <summary>
/// The human-readable verdict table of every fixture on the committed kernels, compared with a golden file.
/// After an intended change: UPDATE_GOLDEN=1 dotnet test tests/CompatService.Cli.Tests --filter VerdictTableGolden
/// </summary>
public sealed class VerdictTableGoldenTests
{
    [Fact]
    public void MarkdownMatrix_OfAllFixtures_OnCommittedKernels_MatchesGolden()
    {
        var kernels = Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal).ToArray();
        var args = new List<string> { "check" };
        // the Markdown table names objects by file name and kernels by release: no absolute path gets in
        args.AddRange(TestData.FixtureNames().Select(n => TestData.FixturePath(n)));
        foreach (var k in kernels) { args.Add("--kernel"); args.Add(k); }
        args.Add("--format"); args.Add("markdown");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(1, CompatCli.Run(args.ToArray(), stdout, stderr));
        var golden = Path.Combine(TestPaths.Fixtures, "golden", "fixtures-matrix.md");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1") File.WriteAllText(golden, stdout.ToString());
        Assert.True(File.Exists(golden), "golden file missing: run with UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(golden), stdout.ToString());
    }
}
