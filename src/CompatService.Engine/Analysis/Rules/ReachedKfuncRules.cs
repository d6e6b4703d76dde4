using CompatService.Engine.Linking;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// A rule the verifier applies only to kfunc calls its path walk reaches (<c>check_kfunc_call</c>): it is asked about
/// every fixup, and sees only the reached kfunc calls.
/// </summary>
public abstract class ReachedKfuncRule(params RuleCode[] codes) : VerdictRule(codes), IFixupRule
{
    public void Check(ProgramContext ctx, Fixup f, Findings findings)
    {
        if (f.Kind == FixupKind.KfuncCall && ctx.Reach!.IsVisited(f.Insn)) CheckReached(ctx, f, findings);
    }

    protected abstract void CheckReached(ProgramContext ctx, Fixup f, Findings findings);

    /// <summary>Whether the kernel says the call's target is a kfunc (null: the kernel cannot tell), and whether it is a vmlinux one.</summary>
    protected static (bool? IsKfunc, bool InVmlinux) Identity(ProgramContext ctx, Fixup f)
    {
        var r = ctx.Obj.Resolution.Externs.First(e => e.Extern.Name == f.Symbol); // fixups carry the name; externs are few
        var kernel = ctx.Kernel;
        var spec = r.Module is null ? kernel.Vmlinux : kernel.Modules.First(m => m.Name == r.Module).Spec;
        return (KernelFeatures.IsKfunc(kernel, spec, kernel.SpecIdOf(spec, r.KernelBtfId!.Value)), r.Module is null);
    }

    /// <summary>
    /// Whether the kfunc is KF_SLEEPABLE on this kernel: the image's own flags win, a kernel without them takes the
    /// kernel-facts table of its version (<paramref name="flagsFrom"/> names it); <paramref name="flagsKnown"/> is false
    /// when neither knows the flags.
    /// </summary>
    protected static bool IsSleepable(ProgramContext ctx, Fixup f, out bool flagsKnown, out string? flagsFrom)
    {
        var (kfFlags, from) = KernelFactsRules.Flags(ctx.Kernel, ctx.Obj.Facts);
        flagsKnown = kfFlags is not null;
        flagsFrom = from;
        return kfFlags?.GetValueOrDefault(BtfWalk.EssentialName(f.Symbol)) is { } flags && (flags & (uint)KfFlags.Sleepable) != 0;
    }
}

/// <summary>
/// kernel/bpf/btf.c <c>bpf_prog_type_to_kfunc_hook</c> / <c>btf_kfunc_id_set_contains</c>: a reachable kfunc call from a
/// program type with no kfunc hook on that kernel (before the COMMON hook of 6.2) is "not allowed". The hooks come from the
/// kernel's own <c>enum btf_kfunc_hook</c> (see <see cref="KfuncHooks"/>).
/// </summary>
public sealed class KfuncHookRule() : ReachedKfuncRule(
    RuleCode.Fails(ReasonCodes.KfuncNotAllowed, "kernel BTF: enum btf_kfunc_hook; from 6.2 the kernel-facts table of its version (+ reachability)"),
    RuleCode.Unknown(ReasonCodes.KernelFactsConditional, "kernel-facts table of its version + what its condition needs (config, capability, attach type)"),
    RuleCode.Unknown(ReasonCodes.KernelFactsUnavailable, "kernel release within the generated kernel-facts tables (scripts/gen-kernel-facts.sh)"))
{
    protected override void CheckReached(ProgramContext ctx, Fixup f, Findings findings)
    {
        if (ctx.Obj.Hooks is { } hooks && hooks.RefusesEveryKfuncFrom(ctx.Program.Type))
            findings.AtFixup(ctx, f, ReasonCodes.KfuncNotAllowed,
                $"kfunc '{f.Symbol}': {ctx.KernelName} has no kfunc hook for {ctx.Program.Type} programs (its hooks: {hooks}): calling kernel function {f.Symbol} is not allowed");
        // From the COMMON hook on (6.2), which program types may call which kfunc set is C code: the generated table decides.
        else if (ctx.Program.Type != "ext" && KernelFactsRules.KfuncAllowed(ctx.Program, f, ctx.Kernel, ctx.KernelName, ctx.Obj.Facts) is { } reason)
            findings.Add(reason);
    }
}

/// <summary>
/// verifier <c>check_kfunc_call</c>: a KF_SLEEPABLE kfunc needs a sleepable verifier state (<c>in_sleepable(env)</c>:
/// "program must be sleepable to call sleepable kfunc X"). That is the program's own flag, except in callbacks: a
/// <c>bpf_wq</c> / <c>bpf_task_work</c> callback is verified as sleepable even in a non-sleepable program, a
/// <c>bpf_timer</c> callback never, and a callback whose set-up call is dead is not verified at all
/// (<see cref="SleepableContexts"/>: <c>push_async_cb(..., is_async_cb_sleepable(insn))</c>). KF_* flags live only in
/// the image's <c>.BTF_ids</c>; without them a note says they were not checked (it stays a note: the 6.18 host's BTF
/// comes without an image, and libbpf loads those programs there).
/// </summary>
public sealed class KfuncFlagsRule() : ReachedKfuncRule(
    RuleCode.Fails(ReasonCodes.KfuncNeedsSleepable, "kernel image (.BTF_ids KF_* flags), else the kernel-facts table of its version (+ reachability)"),
    RuleCode.Note(ReasonCodes.KfuncFlagsUnavailable, "kernel image (.BTF_ids KF_* flags)"))
{
    protected override void CheckReached(ProgramContext ctx, Fixup f, Findings findings)
    {
        var (isKfunc, inVmlinux) = Identity(ctx, f);
        // isKfunc null (no tags, no image): the table's flags list only kfuncs, so they still apply.
        if (isKfunc == false || !inVmlinux) return;
        var sleepableKfunc = IsSleepable(ctx, f, out var flagsKnown, out var flagsFrom);
        // A bpf_timer callback of a sleepable program: non-sleepable from 6.19 / 6.18.2 (TimerCallbackContext).
        string? timerBasis = null;
        var timerRefused = sleepableKfunc && !ctx.Sleepable.MayRunNonSleepable(f.Insn) && ctx.Sleepable.TimerOfSleepableProgram(f.Insn)
            && TimerCallbackContext.NonSleepableInSleepableProgram(ctx.Kernel, out timerBasis) == true;
        if (sleepableKfunc && (ctx.Sleepable.MayRunNonSleepable(f.Insn) || timerRefused))
            findings.AtFixup(ctx, f, ReasonCodes.KfuncNeedsSleepable,
                $"kfunc '{f.Symbol}' is KF_SLEEPABLE in {ctx.KernelName}{(flagsFrom is null ? "" : $" (flags from the {flagsFrom}: the kernel came without its image's .BTF_ids)")}: program must be sleepable to call sleepable kfunc {f.Symbol} " +
                (timerRefused
                    ? $"(it sits in a bpf_timer callback, which this kernel's verifier checks as non-sleepable even in a sleepable program: {timerBasis})"
                    : ctx.Sleepable.InCallback(f.Insn)
                    ? "(it sits in a callback the verifier checks as non-sleepable: a bpf_timer callback, a callback of a non-sleepable program, or one whose set-up it does not recognise; only bpf_wq / bpf_task_work callbacks are sleepable)"
                    : "(use a '.s' section)"));
        if (!flagsKnown && isKfunc == true && findings.FirstTime(f.Symbol + "#flags"))
            findings.Add(new Reason(ReasonCodes.KfuncFlagsUnavailable, f.Symbol, f.Insn,
                $"note: {ctx.KernelName} came without its image's .BTF_ids and no kernel-facts table decides ({ctx.Obj.Facts.WhyUndecided}): the KF_* flags of '{f.Symbol}' (sleepable, destructive) were not checked"));
    }
}

/// <summary>
/// verifier <c>add_kfunc_call</c> → <c>btf_kfunc_id_set_contains</c>: a kernel function in no kfunc set is "not allowed".
/// Which functions are kfuncs: the image's <c>.BTF_ids</c> sets, else <c>bpf_kfunc</c> decl tags (kbuild ≥ 6.11, pahole ≥ 1.27);
/// with neither, a note says it could not be checked.
/// </summary>
public sealed class KfuncIdentityRule() : ReachedKfuncRule(
    RuleCode.Fails(ReasonCodes.NotAKfunc, "kernel image (.BTF_ids) or bpf_kfunc tags in BTF (+ reachability)"),
    RuleCode.Note(ReasonCodes.KfuncTagsUnavailable, "kernel image (.BTF_ids) or bpf_kfunc tags in BTF"))
{
    protected override void CheckReached(ProgramContext ctx, Fixup f, Findings findings)
    {
        var (isKfunc, _) = Identity(ctx, f);
        if (isKfunc == false)
            findings.AtFixup(ctx, f, ReasonCodes.NotAKfunc,
                $"'{f.Symbol}' is a kernel function in {ctx.KernelName} but not a kfunc (not in any kfunc set): calling kernel function {f.Symbol} is not allowed");
        else if (isKfunc is null && findings.FirstTime(f.Symbol))
            findings.Add(new Reason(ReasonCodes.KfuncTagsUnavailable, f.Symbol, f.Insn,
                $"note: {ctx.KernelName}'s BTF has no bpf_kfunc tags and no .BTF_ids sets were ingested: whether '{f.Symbol}' is a kfunc could not be checked"));
    }
}
