using CompatService.Engine.Btf;
using CompatService.Engine.Linking;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// A rule with one code over the fixups of one kind, checked on every such instruction, reachable or not: its header
/// names the kind and the code, its body only says when the kernel refuses the instruction.
/// </summary>
public abstract class FixupKindRule(FixupKind kind, RuleCode code) : VerdictRule(code), IFixupRule
{
    public void Check(ProgramContext ctx, Fixup f, Findings findings)
    {
        if (f.Kind == kind && Refusal(ctx, f) is { } text) findings.AtFixup(ctx, f, code.Code, text);
    }

    /// <summary>The reason (after "program 'P': insn N: ") when the kernel refuses the fixup's instruction; null when it accepts it.</summary>
    protected abstract string? Refusal(ProgramContext ctx, Fixup f);
}

/// <summary>
/// verifier <c>add_kfunc_call</c>: "cannot call kernel function from non-GPL compatible program" — checked on every
/// kfunc call instruction, reachable or not (dead-code removal runs after this check).
/// </summary>
public sealed class KfuncRequiresGplRule() : FixupKindRule(FixupKind.KfuncCall, RuleCode.Fails(ReasonCodes.KfuncRequiresGpl, "object"))
{
    protected override string? Refusal(ProgramContext ctx, Fixup f) => ctx.Obj.Object.IsGplCompatible ? null
        : $"kfunc '{f.Symbol}': cannot call kernel function from non-GPL compatible program (license '{ctx.Obj.Object.License ?? "(none)"}'), even in dead code";
}

/// <summary>
/// verifier <c>check_pseudo_btf_id</c>: every ld_imm64 of a BTF id is looked up in kallsyms by name, reachable or not;
/// data symbols are there only with CONFIG_KALLSYMS_ALL (functions always are). Decided by the kernel's own kallsyms
/// when its image gave them, else by its config.
/// </summary>
public sealed class KsymKallsymsRule() : FixupKindRule(FixupKind.KsymLdImm64,
    RuleCode.Fails(ReasonCodes.KsymNotInKallsyms, "the kernel's kallsyms (from its image or package), else its config (CONFIG_KALLSYMS_ALL)"))
{
    protected override string? Refusal(ProgramContext ctx, Fixup f)
    {
        var name = BtfWalk.EssentialName(f.Symbol); // the kernel's VAR carries the name without a ___flavour
        if (ctx.Kernel.Kallsyms is { } kallsyms)
            return kallsyms.Contains(name) ? null
                : $"ksym '{f.Symbol}': not in {ctx.KernelName}'s kallsyms ({kallsyms.Origin}): ldimm64 failed to find the address for kernel symbol '{name}'";
        return ctx.Kernel.Config is { } config && !config.ContainsKey("CONFIG_KALLSYMS_ALL")
            ? $"ksym '{f.Symbol}': {ctx.KernelName} is built without CONFIG_KALLSYMS_ALL, so data symbols are not in kallsyms: ldimm64 failed to find the address for kernel symbol '{f.Symbol}'"
            : null;
    }
}

/// <summary>
/// verifier <c>check_pseudo_btf_id</c> before 6.4 accepts only a VAR behind an ld_imm64 of a BTF id, so
/// <c>bpf_ksym_exists</c> on a PRESENT kfunc (ld_imm64 of a FUNC) is refused on 6.1–6.3, even in dead code.
/// </summary>
public sealed class KsymExistsRule() : FixupKindRule(FixupKind.KfuncLdImm64,
    RuleCode.Fails(ReasonCodes.KsymExistsUnsupported, "kernel release, else kernel BTF (bpf_iter_num_new ⇒ ≥ 6.4)"))
{
    protected override string? Refusal(ProgramContext ctx, Fixup f) => ctx.Obj.Features.LdImm64OfFunc ? null
        : $"kfunc '{f.Symbol}': {ctx.KernelName} rejects ld_imm64 of a present kfunc (bpf_ksym_exists needs ≥ 6.4; {ctx.Obj.Features.Basis})";
}

/// <summary>
/// verifier <c>add_kfunc_call</c>: a kfunc call with a non-zero fd_array offset (a module's kfunc) needs
/// <c>bpf_kfunc_btf_tab</c> (5.16); before that only vmlinux kfuncs can be called.
/// </summary>
public sealed class ModuleKfuncsRule() : FixupKindRule(FixupKind.KfuncCall,
    RuleCode.Fails(ReasonCodes.ModuleKfuncsUnsupported, "kernel BTF (struct bpf_kfunc_btf_tab ⇒ ≥ 5.16)"))
{
    protected override string? Refusal(ProgramContext ctx, Fixup f) =>
        f.Module is not null && ctx.Obj.Features.KfuncCalls && !ctx.Obj.Features.ModuleKfuncs
            ? $"kfunc '{f.Symbol}' lives in module {f.Module}; {ctx.KernelName} cannot call module kfuncs (< 5.16; {ctx.Obj.Features.ModuleKfuncBasis})"
            : null;
}

/// <summary>
/// A kernel whose verifier predates kfunc calls (5.13: <c>struct bpf_kfunc_desc</c>, <c>bpf_jit_supports_kfunc_call</c>)
/// rejects a call with src_reg BPF_PSEUDO_KFUNC_CALL ("BPF_CALL uses reserved fields"). Decided from the kernel's BTF,
/// not its version string.
/// </summary>
public sealed class KfuncsUnsupportedRule() : FixupKindRule(FixupKind.KfuncCall,
    RuleCode.Fails(ReasonCodes.KfuncsUnsupported, "kernel BTF (struct bpf_kfunc_desc ⇒ ≥ 5.13)"))
{
    protected override string? Refusal(ProgramContext ctx, Fixup f) => ctx.Obj.Features.KfuncCalls ? null
        : $"kfunc '{f.Symbol}': {ctx.KernelName} cannot call kfuncs at all ({ctx.Obj.Features.KfuncBasis})";
}
