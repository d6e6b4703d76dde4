using CompatService.Engine.Linking;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// A non-sleepable program that hands a sleepable callback over (<c>bpf_wq_set_callback[_impl]</c>,
/// <c>bpf_task_work_schedule_*</c>, reached by the walk; see <see cref="SleepableContexts"/>). The 6.12, 7.2 and 7.3
/// verifier sources have no check against it (<c>push_async_cb</c> just verifies the callback as sleepable; the 6.12 and
/// 7.2 lab images load <c>async_cb_sleepable/wq_cb_caller</c>, 7.2 the udev-hid-bpf ACK05 driver). This machine's 6.18.44
/// kernel refuses it: "sleepable callback in a program that is not sleepable" / "kfunc bpf_wq_set_callback_impl failed
/// callback verification" (EPERM; the fixture's real load). So 6.18 fails, and a release strictly between 6.12 and 7.2
/// other than 6.18 is unknown: no source table and no observation covers it.
/// </summary>
public sealed class SleepableCallbackRule() : ReachedKfuncRule(
    RuleCode.Fails(ReasonCodes.SleepableCallbackRefused, "kernel release (refused by 6.18, observed; not by the 6.12 / 7.2 sources) (+ reachability)"),
    RuleCode.Unknown(ReasonCodes.SleepableCallbackUnknown, "the verifier of the kernel's release (between 6.12 and 7.2: no table, no observation; a timer callback of a sleepable program: bpf_insn_aux_data.non_sleepable in its BTF, else 6.13 – 6.17 / 6.18 without patch level)"))
{
    private static readonly Version Refusing = new(6, 18), After = new(6, 12), Fixed = new(7, 2);

    protected override void CheckReached(ProgramContext ctx, Fixup f, Findings findings)
    {
        if (ctx.Program.SectionInfo.Sleepable)
        {
            CheckTimerOfSleepable(ctx, f, findings);
            return;
        }
        if (!ctx.Sleepable.SleepableSetups.Any(s => s.Insn == f.Insn)) return;
        if (KernelFeatures.ParseRelease(ctx.Kernel.Release) is not { } v || v <= After || v >= Fixed) return;
        var what = $"'{f.Symbol}' hands a sleepable callback over from a non-sleepable program";
        if (v == Refusing)
            findings.AtFixup(ctx, f, ReasonCodes.SleepableCallbackRefused,
                $"{what}: the {v} verifier refuses it (sleepable callback in a program that is not sleepable; kfunc {f.Symbol} failed callback verification)");
        else
            findings.AtFixup(ctx, f, ReasonCodes.SleepableCallbackUnknown,
                $"{what}: 6.18 refuses that, 6.12 and 7.2 allow it; whether {ctx.KernelName} ({v}) does needs its verifier source (no kernel-facts table between 6.12 and 7.2)");
    }

    /// <summary>
    /// A KF_SLEEPABLE kfunc in a bpf_timer callback of a sleepable program: sleepable up to 6.12 (source), non-sleepable
    /// from 6.19 / 6.18.2 (<see cref="TimerCallbackContext"/>; <c>KfuncFlagsRule</c> then fails it); between, unknown.
    /// </summary>
    private static void CheckTimerOfSleepable(ProgramContext ctx, Fixup f, Findings findings)
    {
        if (ctx.Sleepable.MayRunNonSleepable(f.Insn) || !ctx.Sleepable.TimerOfSleepableProgram(f.Insn)) return;
        var (isKfunc, inVmlinux) = Identity(ctx, f);
        if (isKfunc == false || !inVmlinux || !IsSleepable(ctx, f, out _, out _)) return;
        if (TimerCallbackContext.NonSleepableInSleepableProgram(ctx.Kernel, out var basis) is not null) return;
        findings.AtFixup(ctx, f, ReasonCodes.SleepableCallbackUnknown,
            $"sleepable kfunc '{f.Symbol}' in a bpf_timer callback of a sleepable program: " +
            $"the 6.12 verifier checks it as sleepable, 6.19+ / 6.18.2+ (commit 469d638d1520) as non-sleepable; whether {ctx.KernelName} ({basis}) does needs its verifier source or bpf_insn_aux_data.non_sleepable in its BTF");
    }
}
