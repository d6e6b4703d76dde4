using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;

namespace CompatService.Fuzz;

/// <summary>
/// A long, coverage-guided, in-process campaign for one target (issue 11's "≥ 10 M executions per target").
/// <para>
/// Coverage comes from SharpFuzz's instrumentation (<c>dotnet sharpfuzz CompatService.Engine.dll</c>, the same rewrite
/// AFL++ mode uses): every branch of the instrumented assemblies does <c>SharedMem[cur ^ prev]++</c>. Instead of AFL's
/// shared memory we point <see cref="SharpFuzz.Common.Trace.SharedMem"/> at our own 64 KiB map, classify hit counts into
/// AFL's buckets after each execution, and keep an input in the corpus when it shows a bucket never seen before — the
/// same feedback AFL and libFuzzer use, without a process per input (10 M executions fit in minutes, not days).
/// </para>
/// Without instrumented assemblies it still runs (plain mutation) and says that coverage was not measured.
/// </summary>
public sealed unsafe class Campaign(Target target, Mutator mutator, int seed, string artifacts)
{
    private const int MapSize = 1 << 16;
    private const int MaxCorpus = 20_000;
    private const int MaxKeptInput = 1 << 20;

    private readonly Random _pick = new(seed ^ 0x5eed);
    private readonly byte[] _virgin = new byte[MapSize]; // per edge: the hit-count buckets seen so far
    private readonly SmokeRun _checker = new(target, mutator, artifacts);

    /// <summary>Crashes, allocation blow-ups and confirmed slow inputs found so far (each saved under the artifacts).</summary>
    public long Findings => _checker.Crashes + _checker.Blowups + _checker.Slow;

    /// <summary>True when the engine assembly was rewritten by SharpFuzz (it then references SharpFuzz.Common).</summary>
    public static bool Instrumented =>
        typeof(Engine.CompatEngine).Assembly.GetReferencedAssemblies().Any(a => a.Name == "SharpFuzz.Common");

    public string Run(long executions, TimeSpan progressEvery)
    {
        var map = (byte*)NativeMemory.AllocZeroed(MapSize);
        var instrumented = Instrumented;
        SharpFuzz.Common.Trace.SharedMem = map; // instrumented code writes here; harmless when nothing is instrumented
        try
        {
            var corpus = target.Seeds().ToList();
            var seeds = corpus.Count;
            var sw = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            long execs = 0;
            for (var i = 0; i < seeds; i++, execs++) RunOne(corpus[i], map, corpus, keep: false);
            while (execs < executions)
            {
                var parent = corpus[PickParent(corpus.Count, seeds)];
                var input = mutator.Mutate(parent, corpus);
                if (RunOne(input, map, corpus, keep: true) && corpus.Count < MaxCorpus && input.Length <= MaxKeptInput) corpus.Add(input);
                execs++;
                if (sw.Elapsed - lastReport >= progressEvery)
                {
                    lastReport = sw.Elapsed;
                    Console.Error.WriteLine($"{target.Name}: {execs} execs, {Edges()} edges, corpus {corpus.Count}, {execs / sw.Elapsed.TotalSeconds:F0}/s");
                }
            }
            var coverage = instrumented ? $"{Edges()} edges (SharpFuzz-instrumented Engine + Kernels)" : "coverage not measured (assemblies not instrumented)";
            return $"{target.Name,-14} {execs} execs in {sw.Elapsed.TotalSeconds:F0} s ({execs / Math.Max(1, sw.Elapsed.TotalSeconds):F0}/s): " +
                   $"{coverage}, corpus {seeds} seeds + {corpus.Count - seeds} kept; {_checker.Crashes} crashes, {_checker.Blowups} allocation blow-ups, " +
                   $"{_checker.Slow} slow (confirmed), max {_checker.MaxMsPerKb:F1} ms/KB, peak allocation {_checker.MaxAllocated / 1048576.0:F1} MiB, at most {_checker.MaxAllocOfBound:P0} of its bound (64x input + {target.FixedAllowance >> 20} MiB)";
        }
        finally
        {
            SharpFuzz.Common.Trace.SharedMem = null;
            NativeMemory.Free(map);
        }
    }

    /// <summary>Half the picks go to inputs kept for new coverage (the newest half more often), half to any input.</summary>
    private int PickParent(int count, int seeds)
    {
        if (count > seeds && _pick.Next(2) == 0)
        {
            var kept = count - seeds;
            var r = _pick.Next(kept);
            return seeds + Math.Max(r, _pick.Next(kept)); // max of two draws leans towards recent finds
        }
        return _pick.Next(count);
    }

    /// <summary>Runs one input with a clean trace map; true when it reached a hit-count bucket never seen before.</summary>
    private bool RunOne(byte[] input, byte* map, List<byte[]> corpus, bool keep)
    {
        new Span<byte>(map, MapSize).Clear();
        SharpFuzz.Common.Trace.PrevLocation = 0;
        _checker.Check(input);
        return MergeNewCoverage(map) && keep && corpus.Count > 0;
    }

    private bool MergeNewCoverage(byte* map)
    {
        var words = (ulong*)map;
        var fresh = false;
        for (var w = 0; w < MapSize / 8; w++)
        {
            if (words[w] == 0) continue;
            for (var b = w * 8; b < w * 8 + 8; b++)
            {
                if (map[b] == 0) continue;
                var bucket = Bucket(map[b]);
                if ((bucket & ~_virgin[b]) == 0) continue;
                _virgin[b] |= bucket;
                fresh = true;
            }
        }
        return fresh;
    }

    /// <summary>AFL's hit-count classes: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+ (one bit each).</summary>
    private static byte Bucket(byte hits) => hits switch
    {
        1 => 1, 2 => 2, 3 => 4, <= 7 => 8, <= 15 => 16, <= 31 => 32, <= 127 => 64, _ => 128,
    };

    private int Edges()
    {
        var n = 0;
        foreach (var v in _virgin) if (v != 0) n++;
        return n;
    }

    /// <summary>The popcount of the virgin map, for tests: how many distinct edge/bucket pairs were seen.</summary>
    public int BucketsSeen => _virgin.Sum(v => BitOperations.PopCount(v));
}
