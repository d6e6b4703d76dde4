using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using CompatService.Engine.Btf;

namespace CompatService.Benchmarks;

/// <summary>
/// A plain timing loop (no BenchmarkDotNet) so that scripts/bench-btf.sh can put our parse next to libbpf's btf__new
/// on the same blob in the same run. Prints key=value lines: mean/median/min of BtfSpec.Parse (one bounds-checked
/// scan that records type offsets and builds the name index, on one core), the retained memory and a lookup time.
/// </summary>
public static class BtfParseTiming
{
    public static int Run(string[] args)
    {
        var path = args.Length > 0 && args[0] != "-" ? args[0] : BenchData.DefaultBlobPath();
        var n = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
        var blob = BenchData.Load(path);

        // Warm up until the JIT has settled on optimised code (tiered compilation).
        var warm = Stopwatch.StartNew();
        var warmups = 0;
        while (warmups < 30 || warm.ElapsedMilliseconds < 2000)
        {
            GC.KeepAlive(BtfSpec.Parse(blob).EnsureNameIndex());
            warmups++;
        }

        var indexed = Time(n, () => BtfSpec.Parse(blob).EnsureNameIndex());
        var spec0 = BtfSpec.Parse(blob);
        var lookups = Stopwatch.StartNew();
        const int lookupCount = 100_000;
        var hits = 0;
        for (var i = 0; i < lookupCount; i++)
            if (spec0.FindFunc((i & 1) == 0 ? "bpf_task_acquire" : "schedule") is not null) hits++;
        lookups.Stop();

        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine($"blob={path}");
        Console.WriteLine($"blob_bytes={blob.Length}");
        Console.WriteLine($"types={spec0.TypeCount}");
        Console.WriteLine($"iterations={n}");
        Console.WriteLine(string.Create(ci, $"mean_us={indexed.Average():F1}"));
        Console.WriteLine(string.Create(ci, $"median_us={indexed[n / 2]:F1}"));
        Console.WriteLine(string.Create(ci, $"min_us={indexed[0]:F1}"));
        Console.WriteLine($"retained_bytes={MeasureRetained(blob)}");
        Console.WriteLine(string.Create(ci, $"findfunc_ns={lookups.Elapsed.TotalNanoseconds / lookupCount:F0}"));
        Console.WriteLine($"findfunc_hits={hits}");
        return 0;
    }

    private static double[] Time(int n, Func<BtfSpec> parse)
    {
        var times = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sw = Stopwatch.StartNew();
            var spec = parse();
            sw.Stop();
            GC.KeepAlive(spec);
            times[i] = sw.Elapsed.TotalMicroseconds;
        }
        Array.Sort(times);
        return times;
    }

    /// <summary>Bytes held by a parsed spec with its name index beyond the blob: GC.GetTotalMemory after a full collection, with and without the spec.</summary>
    public static long MeasureRetained(byte[] blob)
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var spec = Hold(blob);
        var after = GC.GetTotalMemory(forceFullCollection: true);
        GC.KeepAlive(spec);
        GC.KeepAlive(blob);
        return after - before;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BtfSpec Hold(byte[] blob) => BtfSpec.Parse(blob).EnsureNameIndex();
}
