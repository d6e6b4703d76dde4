namespace CompatService.Fuzz.Tests;

/// <summary>AFL's hit-count buckets and the "new bucket" test that decides what the campaign keeps.</summary>
public sealed class CoverageMapTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(7, 8)]
    [InlineData(8, 16)]
    [InlineData(15, 16)]
    [InlineData(16, 32)]
    [InlineData(31, 32)]
    [InlineData(32, 64)]
    [InlineData(127, 64)]
    [InlineData(128, 128)]
    [InlineData(255, 128)]
    public void Bucket_FollowsAflClasses(int hits, int bucket) => Assert.Equal(bucket, CoverageMap.Bucket((byte)hits));

    [Fact]
    public void MergeNew_IsTrueOnlyForABucketNeverSeen()
    {
        using var map = new CoverageMap();
        Assert.False(map.MergeNew()); // nothing hit

        map.Current[1000] = 1;
        Assert.True(map.MergeNew());  // a new edge
        map.Reset();
        map.Current[1000] = 1;
        Assert.False(map.MergeNew()); // the same edge, the same bucket
        map.Reset();
        map.Current[1000] = 5;
        Assert.True(map.MergeNew());  // the same edge, a new bucket (4-7)
        map.Reset();
        map.Current[1000] = 6;
        map.Current[65535] = 200;
        Assert.True(map.MergeNew());  // 6 is an old bucket, but the last edge is new

        Assert.Equal(2, map.Edges);
        Assert.Equal(3, map.BucketsSeen);
    }

    [Fact]
    public void Reset_ClearsTheHits_NotWhatWasSeen()
    {
        using var map = new CoverageMap();
        map.Current[7] = 3;
        map.MergeNew();
        map.Reset();
        Assert.All(map.Current.ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(1, map.Edges);
    }
}
