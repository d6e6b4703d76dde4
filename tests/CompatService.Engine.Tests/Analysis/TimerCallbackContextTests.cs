using CompatService.Engine.Analysis;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// A KF_SLEEPABLE kfunc in a bpf_timer callback of a sleepable program (fixture async_cb_sleepable/timer_cb_sleepable_prog):
/// the real 6.12 BTF (with its image's KF_* flags, no bpf_insn_aux_data.non_sleepable) under other release labels, so
/// only the release decides: commit 469d638d1520 is in 6.19 and the 6.18.2 stable release; 6.13 – 6.17 are undecided.
/// </summary>
public sealed class TimerCallbackContextTests
{
    [Theory]
    [InlineData("6.12.117+deb13-amd64", Verdict.Loads, null)]
    [InlineData("6.15.2", Verdict.Unknown, ReasonCodes.SleepableCallbackUnknown)]
    [InlineData("6.18.1", Verdict.Loads, null)]
    [InlineData("6.18", Verdict.Unknown, ReasonCodes.SleepableCallbackUnknown)]
    [InlineData("6.18.3-custom", Verdict.Fails, ReasonCodes.KfuncNeedsSleepable)]
    [InlineData("7.0.1", Verdict.Fails, ReasonCodes.KfuncNeedsSleepable)]
    public void SleepableProgramsTimerCallback_DecidedByRelease_WhenTheBtfHasNoMarker(string release, Verdict verdict, string? code)
    {
        var k = TestData.Kernel(TestData.FixtureKernelDir("debian-6.12.117+deb13-amd64")).Btf;
        var kernel = new KernelBtfSet(k.Vmlinux, k.Modules, k.BtfSha256, release, k.KfuncFlags, k.Config);
        var obj = TestData.Fixture("async_cb_sleepable", "bpfel");
        var index = obj.Programs.ToList().FindIndex(p => p.Name == "timer_cb_sleepable_prog");
        var r = CompatEngine.Check(obj, kernel, "k")[index];
        Assert.Equal(verdict, r.Verdict);
        if (code is not null) Assert.Contains(r.Reasons, x => x.Code == code);
    }

    [Fact]
    public void BtfMarker_Wins_OverTheRelease()
    {
        var k = TestData.Kernel(TestData.FixtureKernelDir("debian-7.2.13+deb14-amd64")).Btf;
        Assert.True(TimerCallbackContext.NonSleepableInSleepableProgram(new KernelBtfSet(k.Vmlinux, k.Modules, k.BtfSha256, "6.15.0", k.KfuncFlags, k.Config), out var basis));
        Assert.Contains("non_sleepable", basis, StringComparison.Ordinal);
    }
}
