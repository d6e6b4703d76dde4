using System.Runtime.CompilerServices;
using CompatService.Api.Caching;
using CompatService.Engine.Kernels;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Storage;

/// <summary>
/// The parsed-kernel cache is bounded by size, not count: a fleet of kernels streams through it (as the matrix worker's
/// batches do) and it never holds more than its byte budget; what it evicts is released (collectable), not retained.
/// Real kernel BTF from tests/fixtures/kernels.
/// </summary>
public sealed class BoundedMemoryTests
{
    private static readonly string[] Dirs = Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task KernelCache_StaysWithinItsByteBudget_AndReleasesWhatItEvicts()
    {
        var sizes = Dirs.Select(d => EngineCache.SizeOf(KernelDirectory.Load(d).Btf)).ToArray();
        Assert.All(sizes, s => Assert.True(s > 1 << 20, $"a parsed fixture kernel is MiBs, got {s} bytes"));
        var budget = sizes.Max() * 3 / 2; // room for one kernel, never two of the larger ones
        var cache = new BoundedCache<KernelBtfSet>(() => 1000, () => budget, EngineCache.SizeOf);
        var evicted = new List<WeakReference>();

        for (var round = 0; round < 3; round++)
            for (var i = 0; i < Dirs.Length; i++)
            {
                evicted.Add(await LoadThroughAsync(cache, $"{round}/{i}", Dirs[i]));
                var (count, bytes, _) = cache.Stats;
                Assert.True(bytes <= budget, $"cache holds {bytes} bytes over its budget of {budget}");
                Assert.InRange(count, 1, 2);
            }

        var stats = cache.Stats;
        Assert.Equal(3 * Dirs.Length - stats.Count, stats.Evictions);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var alive = evicted.Count(w => w.IsAlive);
        Assert.True(alive <= stats.Count, $"{alive} kernels still reachable, the cache holds {stats.Count}: evicted kernels are retained");
    }

    [Fact]
    public async Task KernelCache_AlsoBoundedByCount_LeastRecentlyUsedOut()
    {
        var cache = new BoundedCache<string>(() => 2, () => long.MaxValue, _ => 1);
        await cache.GetAsync("a", () => Task.FromResult("A"));
        await cache.GetAsync("b", () => Task.FromResult("B"));
        await cache.GetAsync("a", () => Task.FromResult("A again"));      // a is now the most recent
        await cache.GetAsync("c", () => Task.FromResult("C"));            // b goes
        Assert.Equal("A", await cache.GetAsync("a", () => Task.FromResult("reloaded")));
        Assert.Equal("B reloaded", await cache.GetAsync("b", () => Task.FromResult("B reloaded")));
        Assert.Equal(2, cache.Stats.Count);
    }

    [Fact]
    public void EngineCache_BoundsKernelsByBytesOnly_NotByKernelCacheSize()
    {
        // KernelCacheSize 1 used to cap the kernel cache at one entry: a fleet cycling through it never hit.
        var options = Microsoft.Extensions.Options.Options.Create(new CompatService.Api.Options.CompatOptions { KernelCacheSize = 1, KernelCacheMiB = 512 });
        var cache = new EngineCache(options);
        for (var i = 0; i < Dirs.Length; i++)
            cache.Remember(new CompatService.Data.Entities.KernelEntity { Id = i + 1, Sha256 = $"k{i}", Source = "test", Release = "6.1.0" }, KernelDirectory.Load(Dirs[i]).Btf);
        Assert.True(Dirs.Length >= 2, "needs two fixture kernels");
        Assert.Equal(Dirs.Length, cache.KernelStats.Count);
        Assert.Equal(0, cache.KernelStats.Evictions);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<WeakReference> LoadThroughAsync(BoundedCache<KernelBtfSet> cache, string key, string dir)
    {
        var set = await cache.GetAsync(key, () => Task.FromResult(KernelDirectory.Load(dir).Btf));
        return new WeakReference(set);
    }
}
