using CompatService.Engine.Linking;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// libbpf <c>bpf_object__relocate_data</c> turns a call to an unresolved WEAK kfunc into a poisoned helper call
/// (imm 2002000000 + ext_idx). The verifier rejects it only if its path walk reaches it ("invalid func unknown#2002000NNN",
/// rewritten by libbpf to "kfunc 'X' is referenced but wasn't resolved"); dead calls are removed (a disabled path).
/// </summary>
public sealed class WeakKfuncReachRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.WeakKfuncUnguarded, "kernel BTF + reachability"),
    RuleCode.Note(ReasonCodes.WeakKfuncDisabled, "kernel BTF + reachability")), IProgramRule
{
    public void Check(ProgramContext ctx, Findings findings)
    {
        foreach (var f in ctx.Fixups.Where(f => f.Kind == FixupKind.PoisonCall))
            findings.PoisonedInsn(ctx, f.Symbol, f.Insn, ReasonCodes.WeakKfuncUnguarded,
                $"program '{ctx.Name}': insn {f.Insn}: kfunc '{f.Symbol}': not found in {ctx.KernelName} and the call is reachable (not guarded by bpf_ksym_exists): kfunc '{f.Symbol}' is referenced but wasn't resolved",
                $"weak kfunc '{f.Symbol}' is missing on {ctx.KernelName}: the call at insn {f.Insn} is dead code the verifier removes");
    }
}

/// <summary>
/// libbpf <c>bpf_core_apply_relo_insn</c> (relo_core.c): a relocation libbpf refuses (ambiguous candidates, bad access
/// string, unexpected instruction) fails the load; one with no target poisons its instruction (<c>call 0xbad2310</c>),
/// which fails only if the verifier reaches it ("invalid func unknown#195896080").
/// </summary>
public sealed class CoreRelocationRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.CoreRelocationFailed, "kernel BTF (+ reachability)")), IProgramRule
{
    /// <summary>The refused relocations (before the walk).</summary>
    public static void CheckRefused(ProgramContext ctx, Findings findings)
    {
        foreach (var c in ctx.Core.Where(c => c.Status == CoreRelocationStatus.Failed))
            findings.Add(new Reason(ReasonCodes.CoreRelocationFailed, c.Path.Length > 0 ? c.Path : c.LocalType, c.Insn,
                $"program '{ctx.Name}': insn {c.Insn}: CO-RE relocation {CoreReloKinds.Name(c.Kind)} of '{(c.Path.Length > 0 ? c.Path : c.LocalType)}' (access {c.AccessString}) cannot be applied: {c.Reason}"));
    }

    /// <summary>The poisoned instructions (after the walk).</summary>
    public void Check(ProgramContext ctx, Findings findings)
    {
        foreach (var c in ctx.Core.Where(c => c.Status == CoreRelocationStatus.Poisoned))
            findings.PoisonedInsn(ctx, c.Path, c.Insn, ReasonCodes.CoreRelocationFailed,
                $"program '{ctx.Name}': insn {c.Insn}: CO-RE relocation {CoreReloKinds.Name(c.Kind)} of '{c.Path}' failed on {ctx.KernelName} (no matching type or field in its BTF) and the poisoned instruction is reachable: invalid func unknown#195896080",
                $"CO-RE relocation {CoreReloKinds.Name(c.Kind)} of '{c.Path}' has no target on {ctx.KernelName}: the poisoned insn {c.Insn} is dead code the verifier removes");
    }
}
