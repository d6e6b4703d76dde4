using CompatService.Engine.Analysis;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>Every fixture (both byte orders) × every kernel gets the verdict the libbpf rules give.</summary>
public sealed class FixtureVerdictTests(ITestOutputHelper output)
{
    public static TheoryData<string> CorpusKernels()
    {
        var data = new TheoryData<string>();
        foreach (var d in TestData.CorpusKernelDirs()) data.Add(d);
        if (data.Count == 0) data.Add("(corpus absent)");
        return data;
    }

    [CorpusTheory]
    [MemberData(nameof(CorpusKernels))]
    public void EveryFixture_OnCorpusKernel_GetsDocumentedVerdict(string dir) =>
        AssertAllFixtures(TestData.CorpusKernelDir(dir), TestData.Family(dir));

    [Fact]
    public void EveryFixture_OnCommittedKernelFixtures_GetsDocumentedVerdict()
    {
        var dirs = Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels"));
        Assert.NotEmpty(dirs);
        foreach (var dir in dirs) AssertAllFixtures(dir, TestData.Family(Path.GetFileName(dir)));
    }

    private void AssertAllFixtures(string kernelDir, string family)
    {
        var kernel = TestData.Kernel(kernelDir).Btf;
        var failures = new List<string>();
        var checkedCells = 0;
        foreach (var fixture in TestData.FixtureNames())
            foreach (var endian in new[] { "bpfel", "bpfeb" })
            {
                var obj = TestData.Fixture(fixture, endian);
                Assert.NotEmpty(obj.Programs);
                var results = CompatEngine.Check(obj, kernel, kernelDir);
                for (var i = 0; i < obj.Programs.Count; i++)
                {
                    var program = obj.Programs[i].Name;
                    var expected = FixtureExpectations.For(fixture, program, family, kernel);
                    var actual = results[i];
                    var codes = actual.Reasons.Where(r => !VerdictRules.IsNote(r.Code)).Select(r => r.Code).Distinct().Order().ToArray();
                    checkedCells++;
                    var missingNotes = expected.Notes.Where(n => actual.Reasons.All(r => r.Code != n)).ToArray();
                    if (actual.Verdict != expected.Verdict || !codes.SequenceEqual(expected.Codes.Order()) || (actual.DisabledPaths.Count > 0) != expected.Disabled
                        || missingNotes.Length > 0)
                        failures.Add($"{fixture}.{endian} {program} on {Path.GetFileName(kernelDir)}: expected {expected.Verdict} [{string.Join(",", expected.Codes)}] disabled={expected.Disabled}, " +
                                     $"got {actual.Verdict} [{string.Join(",", codes)}] disabled={actual.DisabledPaths.Count > 0} missing notes [{string.Join(",", missingNotes)}]: {string.Join(" | ", actual.Reasons.Select(r => r.Message))}");
                }
            }
        output.WriteLine($"{checkedCells} program × kernel cells checked on {kernelDir}");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
