using CompatService.Engine.Analysis;
using CompatService.Engine.Analysis.Rules;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Hostile;

/// <summary>
/// Issue 11 §3: the engine's walks charge an <see cref="AnalysisBudget"/> and stop deterministically past it (a step count,
/// not a clock), with "too complex to analyse: &lt;what&gt;"; a cancelled token or a passed deadline stops them too.
/// </summary>
public sealed class AnalysisBudgetTests
{
    private static KernelBtfSet Kernel61 => TestData.Kernel(TestData.FixtureKernelDir("debian-6.1.0-47-amd64")).Btf;

    [Fact]
    public void OpenObject_OverItsBudget_StopsWithTheWorkNamed_AtTheSameStepEveryTime()
    {
        var bytes = HostileObjects.BigProgram(20_000);
        var e = Assert.Throws<AnalysisBudgetExceededException>(() => CompatEngine.OpenObject(bytes, new AnalysisBudget(10_000)));
        Assert.StartsWith(AnalysisBudgetExceededException.Prefix, e.Message);
        Assert.Contains("decoding the instructions of section 'xdp'", e.Message);
        Assert.Contains("work budget of 10000 steps", e.Message);
        Assert.IsAssignableFrom<BpfFormatException>(e); // every face refuses it like other bad input

        // Within budget: the same input, and the same count of steps on every run.
        var a = new AnalysisBudget(1_000_000);
        var b = new AnalysisBudget(1_000_000);
        CompatEngine.Inspect(CompatEngine.OpenObject(bytes, a), a);
        CompatEngine.Inspect(CompatEngine.OpenObject(bytes, b), b);
        Assert.Equal(a.Used, b.Used);
        Assert.InRange(a.Used, 3 * 20_000, 4 * 20_000); // decode + link + inspect, each linear in the instructions
    }

    [Fact]
    public void Check_OverItsBudget_StopsInTheReachabilityWalk_NamingTheProgram()
    {
        var obj = CompatEngine.OpenObject(HostileObjects.BranchyProgram(2_000));
        var full = new AnalysisBudget(long.MaxValue);
        var results = CompatEngine.Check(obj, Kernel61, "k", full);
        Assert.Equal(Verdict.Loads, Assert.Single(results).Verdict);
        Assert.True(full.Used > 10 * 2_000, $"{full.Used} steps: the walk keeps several states per instruction here");

        // Enough for the instructions and rules (charged first), not for every step of the walk.
        var e = Assert.Throws<AnalysisBudgetExceededException>(() => CompatEngine.Check(obj, Kernel61, "k", new AnalysisBudget(full.Used - 1)));
        Assert.Equal($"{AnalysisBudgetExceededException.Prefix}program 'branchy': reachability walk: more than the work budget of {full.Used - 1} steps", e.Message);
        var again = Assert.Throws<AnalysisBudgetExceededException>(() => CompatEngine.Check(obj, Kernel61, "k", new AnalysisBudget(full.Used - 1)));
        Assert.Equal(e.Message, again.Message);
        CompatEngine.Check(obj, Kernel61, "k", new AnalysisBudget(full.Used)); // exactly enough
    }

    [Fact]
    public void KernelBtf_OverItsBudget_StopsAtTheTypeCount()
    {
        var dir = TestData.Kernel(TestData.FixtureKernelDir("debian-6.1.0-47-amd64"));
        var raw = dir.Btf.Vmlinux.RawBytes;
        var types = dir.Btf.Vmlinux.TypeCount;
        var e = Assert.Throws<AnalysisBudgetExceededException>(() => CompatEngine.OpenKernel(raw, budget: new AnalysisBudget(types - 1)));
        Assert.Contains($"BTF .BTF: {types} types", e.Message);
        var fits = new AnalysisBudget(types);
        CompatEngine.OpenKernel(raw, budget: fits);
        Assert.Equal(types, fits.Used);
        var validate = new AnalysisBudget(100);
        Assert.Throws<AnalysisBudgetExceededException>(() => dir.Btf.Vmlinux.Validate(validate));
        Assert.Equal(100, validate.Used);
    }

    [Fact]
    public void CancelledToken_StopsTheWalk_WithOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => CompatEngine.OpenObject(HostileObjects.BigProgram(100), AnalysisBudget.Unlimited(cts.Token)));
    }

    [Fact]
    public void PassedDeadline_StopsTheWalk_AsTooComplex()
    {
        var budget = new AnalysisBudget(long.MaxValue, TimeSpan.FromMilliseconds(1));
        Thread.Sleep(50); // the deadline has passed whatever the machine's speed; only its direction matters
        var e = Assert.Throws<AnalysisBudgetExceededException>(() => CompatEngine.OpenObject(HostileObjects.BigProgram(100), budget));
        Assert.Contains("longer than the time budget of 0.001 s", e.Message);
    }

    [Fact]
    public void AbortedAnalysis_IsUnknown_WithItsReasonCode()
    {
        var over = AnalysisAbortedRule.Unknown("k", new AnalysisBudgetExceededException("program 'p': reachability walk: more than the work budget of 5 steps", 5));
        Assert.Equal(Verdict.Unknown, over.Verdict);
        Assert.Equal(ReasonCodes.AnalysisBudgetExceeded, Assert.Single(over.Reasons).Code);
        Assert.StartsWith("too complex to analyse: program 'p'", over.Reasons[0].Message);
        var failed = AnalysisAbortedRule.Unknown("k", new InvalidOperationException("boom"));
        Assert.Equal(Verdict.Unknown, failed.Verdict);
        Assert.Equal(ReasonCodes.AnalysisFailed, Assert.Single(failed.Reasons).Code);
    }

}
