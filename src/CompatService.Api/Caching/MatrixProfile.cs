using System.Diagnostics;
using System.Globalization;

namespace CompatService.Api.Caching;

/// <summary>
/// Where matrix computation time goes in this process (cumulative, all workers): the fleet benchmark reads the
/// "matrix profile" log line to say what a cell costs beyond CompatEngine.Check.
/// </summary>
public static class MatrixProfile
{
    public enum Phase { Queue, Missing, KernelFetch, KernelParse, ObjectLoad, Check, Serialize, Write, SurfaceFetch, SurfaceBuild, ShapeBuild }

    private static readonly long[] Ticks = new long[Enum.GetValues<Phase>().Length];
    private static long _cells, _batches, _kernelLoads, _surfaceCells, _surfaceLoads, _shapeCells;

    public static void KernelLoaded() => Interlocked.Increment(ref _kernelLoads);

    /// <summary>A kernel surface read (or built) for the cache.</summary>
    public static void SurfaceLoaded() => Interlocked.Increment(ref _surfaceLoads);

    /// <summary>Cells computed from the kernel's stored surface alone (no full BTF).</summary>
    public static void SurfaceCells(int n) => Interlocked.Add(ref _surfaceCells, n);

    /// <summary>Cells judged on the surface plus stored CO-RE shapes (also counted in surface_cells).</summary>
    public static void ShapeCells(int n) => Interlocked.Add(ref _shapeCells, n);

    public static void Add(Phase phase, long ticks) => Interlocked.Add(ref Ticks[(int)phase], ticks);

    public static void Batch(int cells)
    {
        Interlocked.Add(ref _cells, cells);
        Interlocked.Increment(ref _batches);
    }

    public static long Cells => Interlocked.Read(ref _cells);

    /// <summary>Full kernels opened (fetched and parsed) so far by this process.</summary>
    public static long KernelLoads => Interlocked.Read(ref _kernelLoads);

    /// <summary>"cells=N batches=B kernel_loads=L kernel_cache=count/MiB/evicted walk_memo=Hhit/Wwalked queue_ms=.. missing_ms=.. kernel_fetch_ms=.. ..." (milliseconds summed over workers).</summary>
    public static string Describe((int Count, long Bytes, long Evictions) cache)
    {
        var parts = new List<string>
        {
            $"cells={Interlocked.Read(ref _cells)}", $"batches={Interlocked.Read(ref _batches)}",
            $"kernel_loads={Interlocked.Read(ref _kernelLoads)}", $"surface_loads={Interlocked.Read(ref _surfaceLoads)}",
            $"surface_cells={Interlocked.Read(ref _surfaceCells)}", $"shape_cells={Interlocked.Read(ref _shapeCells)}",
            $"kernel_cache={cache.Count}/{cache.Bytes >> 20}MiB/{cache.Evictions}evicted",
            $"walk_memo={CompatService.Engine.Analysis.WalkMemo.Stats.Hits}hit/{CompatService.Engine.Analysis.WalkMemo.Stats.Misses}walked",
        };
        foreach (var p in Enum.GetValues<Phase>())
        {
            var ms = Interlocked.Read(ref Ticks[(int)p]) * 1000.0 / Stopwatch.Frequency;
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{Snake(p)}_ms={ms:F0}"));
        }
        return string.Join(' ', parts);
    }

    private static string Snake(Phase p) => CompatService.Data.CompatDbContext.SnakeCase(p.ToString());
}
