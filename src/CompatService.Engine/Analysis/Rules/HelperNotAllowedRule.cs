using CompatService.Engine.Linking;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// verifier <c>check_helper_call</c> → <c>env->ops->get_func_proto(func_id, prog)</c>: a REACHABLE call to a helper that
/// the program type's <c>*_func_proto()</c> does not return is refused ("program of this type cannot use helper
/// bpf_x#N" / "unknown func bpf_x#N"). Which helpers each type gets is C code, so the answer comes from the generated
/// kernel-facts table of the kernel's version (<see cref="KernelFactsRules.Helpers"/>); conditional entries (capability,
/// attach type, CONFIG_*) give unknown with the condition; a kernel outside every table gives unknown naming the newest.
/// Calls to helpers the kernel lacks altogether are <see cref="HelperMissingRule"/>'s.
/// </summary>
public sealed class HelperNotAllowedRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.HelperNotAllowed, "kernel-facts table of its version (helpers per program type) (+ reachability)")), IProgramRule
{
    public void Check(ProgramContext ctx, Findings findings)
    {
        if (ctx.Reach is null) return;
        var skip = ctx.Fixups.Where(f => f.Kind == FixupKind.PoisonCall).Select(f => f.Insn).ToHashSet();
        skip.UnionWith(ctx.MissingHelperCalls.Keys);
        foreach (var reason in KernelFactsRules.Helpers(ctx.Program, ctx.HelperCalls, ctx.Reach, skip, ctx.Kernel, ctx.KernelName, ctx.Obj.Facts))
            findings.Add(reason);
    }
}
