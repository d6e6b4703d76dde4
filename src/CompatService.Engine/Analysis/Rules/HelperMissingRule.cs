using CompatService.Engine.Asm;
using CompatService.Engine.Linking;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// verifier <c>check_helper_call</c>: a REACHABLE call to a helper id the kernel's <c>enum bpf_func_id</c> lacks is
/// refused ("invalid func unknown#189"); a dead one is removed with the dead code (programs guard new helpers with
/// <c>bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_x)</c>, a constant after CO-RE relocation). The call is
/// treated like a poisoned kfunc call by the same walk. libbpf <c>bpf_object__sanitize_prog</c> rewrites
/// <c>bpf_probe_read_{kernel,user}</c> → <c>bpf_probe_read</c> and their <c>_str</c> forms → <c>bpf_probe_read_str</c>
/// on kernels without <c>bpf_probe_read_kernel</c>: those calls are judged as the rewritten helper.
/// Helper ids map to names through the engine's table; the names are looked up in the kernel's enum.
/// </summary>
public sealed class HelperMissingRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.HelperMissing, "kernel BTF: enum bpf_func_id (+ reachability)")), IProgramRule
{
    private const int ProbeRead = 4, ProbeReadStr = 45, ProbeReadUser = 112, ProbeReadKernel = 113, ProbeReadUserStr = 114, ProbeReadKernelStr = 115;

    /// <summary>Helper calls of the relocated program whose helper the kernel lacks (after libbpf's rewrites): instruction → helper id.</summary>
    public static Dictionary<int, int> MissingCalls(ProgramContext ctx, IReadOnlySet<int> poisoned)
    {
        var missing = new Dictionary<int, int>();
        var enums = ctx.Kernel.Enums;
        if (enums.Helpers is null) return missing;
        foreach (var call in ctx.HelperCalls)
        {
            if (poisoned.Contains(call.Insn)) continue;
            var id = AfterSanitize(call.Id, enums);
            if (enums.HasHelper(id) == false) missing[call.Insn] = id;
        }
        return missing;
    }

    private static int AfterSanitize(int id, Kernels.KernelEnums enums)
    {
        if (id is < ProbeReadUser or > ProbeReadKernelStr || enums.HasHelper(ProbeReadKernel) != false) return id;
        return id is ProbeReadUser or ProbeReadKernel ? ProbeRead : ProbeReadStr;
    }

    public void Check(ProgramContext ctx, Findings findings)
    {
        if (ctx.Kernel.Enums.Helpers is null && ctx.Relocated.Any(i => i.IsHelperCall))
        {
            findings.Add(new Reason(ReasonCodes.KernelEnumsUnavailable, "bpf_func_id", null,
                $"program '{ctx.Name}': {ctx.KernelName}'s BTF has no enum bpf_func_id, so whether it has the program's helpers cannot be told (supply the kernel's full vmlinux BTF)"));
            return;
        }
        foreach (var (insn, id) in ctx.MissingHelperCalls.OrderBy(p => p.Key))
        {
            var name = HelperNames.Name(id) ?? $"helper {id}";
            findings.PoisonedInsn(ctx, name, insn, ReasonCodes.HelperMissing,
                $"program '{ctx.Name}': insn {insn}: needs helper {name} (id {id}), which {ctx.KernelName}'s enum bpf_func_id lacks, and the call is reachable: invalid func unknown#{id}",
                $"helper {name} (id {id}) is missing on {ctx.KernelName}: the call at insn {insn} is dead code the verifier removes");
        }
    }
}
