using System.Diagnostics;

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
public sealed class Campaign(Target target, Mutator mutator, int seed, string artifacts)
{
    private const int MaxCorpus = 20_000;

    private readonly Random _pick = new(seed ^ 0x5eed);
    private readonly SmokeRun _checker = new(target, mutator, artifacts);

    /// <summary>Crashes, allocation blow-ups and confirmed slow inputs found so far (each saved under the artifacts).</summary>
    public long Findings => _checker.Crashes + _checker.Blowups + _checker.Slow;

    /// <summary>Edges covered by the last <see cref="Run"/> (0 when the assemblies are not instrumented).</summary>
    public int Edges { get; private set; }

    /// <summary>True when the engine assembly was rewritten by SharpFuzz (it then references SharpFuzz.Common).</summary>
    public static bool Instrumented =>
        typeof(Engine.CompatEngine).Assembly.GetReferencedAssemblies().Any(a => a.Name == "SharpFuzz.Common");

    public string Run(long executions, TimeSpan progressEvery)
    {
        using var map = new CoverageMap();
        var instrumented = Instrumented;
        unsafe { SharpFuzz.Common.Trace.SharedMem = map.Hits; } // instrumented code writes here; harmless when nothing is instrumented
        try
        {
            var corpus = target.Seeds().ToList();
            var seeds = corpus.Count;
            // Like libFuzzer's -max_len: mutants stay near the seeds' size, so the corpus does not drift into ever larger
            // (slower) inputs; the limits on large inputs have their own tests.
            var maxLength = Math.Max(64 << 10, 2 * corpus.Max(c => c.Length));
            var sw = Stopwatch.StartNew();
            var lastReport = TimeSpan.Zero;
            long execs = 0;
            foreach (var s in corpus) { RunOne(s, map); execs++; } // the seeds set the baseline coverage
            while (execs < executions)
            {
                var parent = corpus[PickParent(corpus.Count, seeds)];
                var input = mutator.Mutate(parent, corpus);
                if (input.Length > maxLength) input = input[..maxLength];
                if (RunOne(input, map) && corpus.Count < MaxCorpus) corpus.Add(input);
                execs++;
                if (sw.Elapsed - lastReport >= progressEvery)
                {
                    lastReport = sw.Elapsed;
                    Console.Error.WriteLine($"{target.Name}: {execs} execs, {map.Edges} edges, corpus {corpus.Count}, {execs / sw.Elapsed.TotalSeconds:F0}/s");
                }
            }
            Edges = map.Edges;
            var coverage = instrumented ? $"{map.Edges} edges (SharpFuzz-instrumented Engine + Kernels)" : "coverage not measured (assemblies not instrumented)";
            return $"{target.Name,-14} {execs} execs in {sw.Elapsed.TotalSeconds:F0} s ({execs / Math.Max(1, sw.Elapsed.TotalSeconds):F0}/s): " +
                   $"{coverage}, corpus {seeds} seeds + {corpus.Count - seeds} kept; {_checker.Crashes} crashes, {_checker.Blowups} allocation blow-ups, " +
                   $"{_checker.Slow} slow (confirmed), max {_checker.MaxMsPerKb:F1} ms/KB, peak allocation {_checker.MaxAllocated / 1048576.0:F1} MiB, at most {_checker.MaxAllocOfBound:P0} of its bound (64x input + {target.FixedAllowance >> 20} MiB)";
        }
        finally
        {
            unsafe { SharpFuzz.Common.Trace.SharedMem = null; }
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
    private bool RunOne(byte[] input, CoverageMap map)
    {
        map.Reset();
        _checker.Check(input);
        return map.MergeNew();
    }
}
