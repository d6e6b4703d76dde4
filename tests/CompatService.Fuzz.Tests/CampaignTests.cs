using CompatService.Engine.Binary;

namespace CompatService.Fuzz.Tests;

/// <summary>
/// The campaign's feedback loop (issue 11): an input is kept when it reaches a hit-count bucket never seen before, and
/// every crash is counted and saved. The targets here write to the coverage map themselves, the way SharpFuzz's
/// instrumentation does (<c>SharedMem[cur ^ prev]++</c>), so the loop is tested without an instrumented build.
/// </summary>
[Collection(nameof(SharedMemCollection))] // the trace map is process-wide: one campaign at a time
public sealed class CampaignTests : IDisposable
{
    private readonly string _artifacts = Directory.CreateTempSubdirectory("compat-fuzz-tests-").FullName;

    public void Dispose() => Directory.Delete(_artifacts, recursive: true);

    /// <summary>One edge per distinct input length below 32: the coverage a campaign can find is exactly 32 edges.</summary>
    private static unsafe void LengthEdges(byte[] input)
    {
        var map = SharpFuzz.Common.Trace.SharedMem;
        if (map != null) map[Math.Min(input.Length, 31)]++;
    }

    private static Target Synthetic(Action<byte[]> run) =>
        new("synthetic", "test target", run, () => [new byte[] { 1, 2, 3, 4 }], 1 << 20);

    private Campaign NewCampaign(Target t) => new(t, new Mutator(7, []), 7, _artifacts);

    [Fact]
    public void NewCoverage_GrowsTheCorpus_AndIsReportedAsEdges()
    {
        var campaign = NewCampaign(Synthetic(LengthEdges));
        var summary = campaign.Run(5_000, TimeSpan.FromHours(1));

        Assert.InRange(campaign.Edges, 8, 32); // mutations change lengths: many of the 32 length edges are found
        Assert.Matches(@"corpus 1 seeds \+ [1-9]\d* kept", summary);
        Assert.Contains("5000 execs", summary);
        Assert.Equal(0, campaign.Findings);
    }

    [Fact]
    public void WithoutCoverage_NothingIsKept()
    {
        var campaign = NewCampaign(Synthetic(_ => { }));
        var summary = campaign.Run(2_000, TimeSpan.FromHours(1));

        Assert.Equal(0, campaign.Edges);
        Assert.Contains("corpus 1 seeds + 0 kept", summary);
    }

    [Fact]
    public void Crash_IsCounted_AndItsInputSaved()
    {
        var campaign = NewCampaign(Synthetic(input =>
        {
            if (input.Length > 6) throw new InvalidOperationException("boom");
            if (input.Length == 0) throw new BpfFormatException("empty", 0); // a clean error is not a finding
        }));
        campaign.Run(2_000, TimeSpan.FromHours(1));

        Assert.True(campaign.Findings > 0);
        var saved = Directory.GetFiles(Path.Combine(_artifacts, "synthetic"), "crash-*.bin");
        Assert.NotEmpty(saved);
        Assert.All(saved, f => Assert.True(new FileInfo(f).Length > 6));
        Assert.Contains("InvalidOperationException: boom", File.ReadAllText(Path.ChangeExtension(saved[0], ".txt")));
    }
}

[CollectionDefinition(nameof(SharedMemCollection), DisableParallelization = true)]
public sealed class SharedMemCollection;
