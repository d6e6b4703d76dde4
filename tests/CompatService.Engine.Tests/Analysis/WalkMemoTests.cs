using System.Text.Json;
using CompatService.Engine.Analysis;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// The walk memo (<see cref="WalkMemo"/>: a reachability walk remembered by its inputs and reused on another kernel) gives
/// exactly the verdicts of walking every time: every fixture object (both byte orders) on the committed kernels, and
/// the corpus objects on the corpus kernels when ../shared/corpus is present. Each object is checked on every kernel with
/// one shared (memoised) object, twice over, and compared with a memo-free check of a freshly parsed copy.
/// </summary>
public sealed class WalkMemoTests
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    [Fact]
    public void Fixtures_OnCommittedKernels_SameResultsWithAndWithoutTheMemo()
    {
        var kernels = Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal)
            .Select(d => TestData.Kernel(d).Btf).ToList();
        var files = TestData.FixtureNames().SelectMany(n => new[] { TestData.FixturePath(n), TestData.FixturePath(n, "bpfeb") }).Where(File.Exists).ToList();
        var hits = Compare(files, kernels);
        Assert.True(hits > 0, "no walk was served from the memo: the test did not exercise it");
    }

    [CorpusFact]
    public void CorpusObjects_OnCorpusKernels_SameResultsWithAndWithoutTheMemo()
    {
        var kernels = TestData.CorpusKernelDirs().Select(d => TestData.Kernel(TestData.CorpusKernelDir(d)).Btf).ToList();
        var files = Directory.GetFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        var hits = Compare(files, kernels);
        Assert.True(hits > 0, "no walk was served from the memo");
    }

    /// <summary>Asserts memoised == memo-free for every file × kernel; returns the memo hits of this thread's checks.</summary>
    private static long Compare(IReadOnlyList<string> files, IReadOnlyList<KernelBtfSet> kernels)
    {
        var before = WalkMemo.Stats.Hits;
        var compared = 0;
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            BpfObject shared;
            try { shared = CompatEngine.OpenObject(bytes); }
            catch (Binary.BpfFormatException) { continue; } // not an object the engine opens: nothing to compare
            for (var round = 0; round < 2; round++)
                foreach (var kernel in kernels)
                {
                    var memoised = Render(shared, kernel);
                    WalkMemo.Enabled = false;
                    try { Assert.Equal(Render(CompatEngine.OpenObject(bytes), kernel), memoised); }
                    finally { WalkMemo.Enabled = true; }
                    compared++;
                }
        }
        Assert.True(compared > 0, "no object × kernel pair compared");
        return WalkMemo.Stats.Hits - before;
    }

    private static string Render(BpfObject obj, KernelBtfSet kernel)
    {
        try
        {
            return JsonSerializer.Serialize(CompatEngine.Check(obj, kernel, "k"), Json);
        }
        catch (Binary.BpfFormatException e)
        {
            return "error: " + e.Message;
        }
    }
}
