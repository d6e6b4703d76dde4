using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using System.Runtime.CompilerServices;
using CompatService.Engine.Btf;

namespace CompatService.Benchmarks;

/// <summary>
/// A plain timing loop (no BenchmarkDotNet) that puts BtfSpec.Parse (parse + name index, one core) next to libbpf's
/// btf__new on the same blob bytes in the same process: each iteration times one libbpf parse and one of ours,
/// alternating which goes first, so both see the same load and the same cache state (scripts/bench-btf.sh).
/// libbpf's btf__free is not timed; our garbage collections are (they happen inside our allocations).
/// Prints key=value lines per blob: our and libbpf's mean/median/min, the median of the per-iteration ratios,
/// bytes allocated per parse, bytes retained by a held spec and a lookup time.
/// Args: FILE... (default: the host's or the largest corpus BTF) and N (a number, default 200).
/// </summary>
public static class BtfParseTiming
{
    public static int Run(string[] args)
    {
        var n = 200;
        var paths = new List<string>();
        foreach (var arg in args)
        {
            if (int.TryParse(arg, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) n = Math.Max(1, number);
            else if (arg is not "-" and not "") paths.Add(arg);
        }
        if (paths.Count == 0) paths.Add(BenchData.DefaultBlobPath());
        var libbpf = LibbpfNative.Available(out var why);
        if (!libbpf) Console.WriteLine($"libbpf_skipped={why}");
        foreach (var path in paths) RunOne(path, n, libbpf);
        return 0;
    }

    private static void RunOne(string path, int n, bool libbpf)
    {
        var blob = BenchData.Load(path);
        // Warm up until the JIT has settled on optimised code (tiered compilation: no method compiled for 0.5 s, which
        // under load can take longer than on a quiet machine; at most 15 s) and libbpf's allocator is warm.
        var warm = Stopwatch.StartNew();
        var (jitted, stableSince) = (JitInfo.GetCompiledMethodCount(), 0L);
        for (var i = 0; i < 20 || warm.ElapsedMilliseconds - stableSince < 500 && warm.ElapsedMilliseconds < 15_000; i++)
        {
            GC.KeepAlive(BtfSpec.Parse(blob).EnsureNameIndex());
            if (libbpf) LibbpfNative.Free(LibbpfNative.New(blob));
            var now = JitInfo.GetCompiledMethodCount();
            if (now != jitted) (jitted, stableSince) = (now, warm.ElapsedMilliseconds);
        }

        var ours = new double[n];
        var theirs = new double[n];
        var ratios = new double[n];
        var libTypes = -1;
        var gcs = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        for (var i = 0; i < n; i++)
        {
            if ((i & 1) == 0) ours[i] = TimeOurs(blob);
            if (libbpf) theirs[i] = TimeLibbpf(blob, out libTypes);
            if ((i & 1) == 1) ours[i] = TimeOurs(blob);
            ratios[i] = libbpf ? ours[i] / theirs[i] : double.NaN;
        }

        var gcText = $"{GC.CollectionCount(0) - gcs.Item1}/{GC.CollectionCount(1) - gcs.Item2}/{GC.CollectionCount(2) - gcs.Item3}";
        var spec = BtfSpec.Parse(blob);
        if (libbpf && libTypes != spec.TypeCount)
            throw new InvalidOperationException($"libbpf counts {libTypes} types, we count {spec.TypeCount}: not the same work");
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine($"blob={path}");
        Console.WriteLine($"blob_bytes={blob.Length}");
        Console.WriteLine($"types={spec.TypeCount}");
        Console.WriteLine($"iterations={n}");
        Print("", ours);
        if (libbpf)
        {
            Print("libbpf_btf_new_", theirs);
            Array.Sort(ratios);
            Console.WriteLine(string.Create(ci, $"ratio_median={ratios[n / 2]:F3}"));
            Console.WriteLine(string.Create(ci, $"ratio_of_min={ours.Min() / theirs.Min():F3}"));
        }
        Console.WriteLine($"gc_count_gen0_gen1_gen2={gcText}");
        Console.WriteLine($"allocated_bytes_per_parse={AllocatedPerParse(blob)}");
        Console.WriteLine($"retained_bytes={MeasureRetained(blob)}");
        Console.WriteLine(string.Create(ci, $"findfunc_ns={LookupNanoseconds(spec, out var hits):F0}"));
        Console.WriteLine($"findfunc_hits={hits}");
    }

    private static void Print(string prefix, double[] times)
    {
        var sorted = (double[])times.Clone();
        Array.Sort(sorted);
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(ci, $"{prefix}mean_us={sorted.Average():F1}"));
        Console.WriteLine(string.Create(ci, $"{prefix}median_us={sorted[sorted.Length / 2]:F1}"));
        Console.WriteLine(string.Create(ci, $"{prefix}min_us={sorted[0]:F1}"));
        Console.WriteLine(string.Create(ci, $"{prefix}p10_p25_p75_p90_us={sorted[sorted.Length / 10]:F0}/{sorted[sorted.Length / 4]:F0}/{sorted[sorted.Length * 3 / 4]:F0}/{sorted[sorted.Length * 9 / 10]:F0}"));
    }

    private static double TimeOurs(byte[] blob)
    {
        var start = Stopwatch.GetTimestamp();
        var spec = BtfSpec.Parse(blob).EnsureNameIndex();
        var elapsed = Stopwatch.GetElapsedTime(start);
        GC.KeepAlive(spec);
        return elapsed.TotalMicroseconds;
    }

    private static double TimeLibbpf(byte[] blob, out int types)
    {
        var start = Stopwatch.GetTimestamp();
        var btf = LibbpfNative.New(blob);
        var elapsed = Stopwatch.GetElapsedTime(start);
        types = LibbpfNative.TypeCount(btf);
        LibbpfNative.Free(btf);
        return elapsed.TotalMicroseconds;
    }

    private static double LookupNanoseconds(BtfSpec spec, out int hits)
    {
        const int lookupCount = 100_000;
        hits = 0;
        var lookups = Stopwatch.StartNew();
        for (var i = 0; i < lookupCount; i++)
            if (spec.FindFunc((i & 1) == 0 ? "bpf_task_acquire" : "schedule") is not null) hits++;
        return lookups.Elapsed.TotalNanoseconds / lookupCount;
    }

    /// <summary>Bytes one parse + name index allocates on this thread (arrays, objects; the blob is not copied).</summary>
    public static long AllocatedPerParse(byte[] blob)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var spec = BtfSpec.Parse(blob).EnsureNameIndex();
        var after = GC.GetAllocatedBytesForCurrentThread();
        GC.KeepAlive(spec);
        return after - before;
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
