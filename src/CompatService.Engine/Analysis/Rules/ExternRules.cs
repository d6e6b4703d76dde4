using CompatService.Engine.Linking;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// libbpf <c>bpf_object__resolve_ksym_func_btf_id</c>: a WEAK kfunc whose prototype is incompatible with the kernel's
/// stays unresolved (treated as missing) — a note, since cilium/ebpf would refuse the load instead.
/// </summary>
public sealed class WeakKfuncIncompatibleRule() : VerdictRule(
    RuleCode.Note(ReasonCodes.WeakKfuncIncompatible, "kernel BTF")), IExternRule
{
    public void Check(ProgramContext ctx, BpfExtern ext, Findings findings)
    {
        var r = ctx.Obj.Resolution.For(ext);
        if (ext.Kind == ExternKind.Kfunc && ext.IsWeak && r.Status == ExternStatus.Incompatible)
            findings.Add(new Reason(ReasonCodes.WeakKfuncIncompatible, ext.Name, ctx.FirstReference(ext.Name),
                $"note: weak kfunc '{ext.Name}' exists in {ctx.KernelName} as `{r.KernelPrototype}`, incompatible with the object's prototype: libbpf leaves it unresolved (treated as missing); cilium/ebpf would refuse the load"));
    }
}

/// <summary>
/// libbpf <c>bpf_object__read_kallsyms_file</c> / <c>kallsyms_cb</c>: a typeless ksym (<c>extern const void x __ksym</c>)
/// takes its address from /proc/kallsyms (vmlinux and the loaded modules) by the extern's name — or a local data symbol
/// <c>x.llvm.&lt;hash&gt;</c> (LTO) — at load time. With the running kernel's kallsyms (the agent) a present name resolves,
/// a strong missing one fails ("extern x (strong) not resolved"), a weak missing one becomes 0, and a name listed at two
/// addresses fails ("resolution is ambiguous"). An image's own table lists vmlinux only: a name absent from it is
/// present when a module BTF of the kernel has it, absent for sure only on a kernel without module support (config)
/// and unknown otherwise. Without any kallsyms (a kernel known only by its BTF) a strong one leaves the verdict unknown.
/// </summary>
public sealed class TypelessKsymRule() : VerdictRule(
    RuleCode.Unknown(ReasonCodes.TypelessKsymHostOnly, "the kernel's kallsyms: upload its image or package (vmlinuz, Image, .deb), or the host's /proc/kallsyms (agent)"),
    RuleCode.Fails(ReasonCodes.TypelessKsymMissing, "the kernel's kallsyms (from its image or package; for a name vmlinux lacks, the running kernel's /proc/kallsyms or a config without CONFIG_MODULES)"),
    RuleCode.Fails(ReasonCodes.KsymAmbiguous, "the kernel's kallsyms (from its image or package)"),
    RuleCode.Unknown(ReasonCodes.TypelessKsymModuleUnknown, "the running kernel's /proc/kallsyms with its modules loaded (agent), or the BTF of the module that provides the symbol")), IExternRule
{
    public void Check(ProgramContext ctx, BpfExtern ext, Findings findings)
    {
        if (ext.Kind != ExternKind.TypelessKsym) return;
        var at = ctx.FirstReference(ext.Name);
        if (ctx.Kernel.Kallsyms is not { } kallsyms)
        {
            if (!ext.IsWeak)
                findings.Add(new Reason(ReasonCodes.TypelessKsymHostOnly, ext.Name, at,
                    $"program '{ctx.Name}': ksym '{ext.Name}' is typeless: resolved from kallsyms at load time, which {ctx.KernelName}'s BTF does not carry (upload its image or package to decide it)"));
            return;
        }
        var match = kallsyms.FindKsym(ext.Name);
        var module = kallsyms.IncludesModules ? null : ModuleProviding(ctx.Kernel, ext.Name);
        if (match.Ambiguous || (match.Found && module is not null))
            findings.Add(new Reason(ReasonCodes.KsymAmbiguous, ext.Name, at,
                $"program '{ctx.Name}': typeless ksym '{ext.Name}': {ctx.KernelName}'s kallsyms lists it at more than one address ({match.Names}{(module is null ? "" : $"; and module {module}")}): resolution is ambiguous"));
        else if (match.Found || module is not null || ext.IsWeak)
            return;
        else if (kallsyms.IncludesModules || (ctx.Kernel.Config is { } config && !config.ContainsKey("CONFIG_MODULES") && !KallsymsKsyms.IsRuntimeOnly(ext.Name)))
            findings.Add(new Reason(ReasonCodes.TypelessKsymMissing, ext.Name, at,
                $"program '{ctx.Name}': typeless ksym '{ext.Name}' is not in {ctx.KernelName}'s kallsyms ({kallsyms.Origin}{(kallsyms.IncludesModules ? "" : "; the kernel's config has no CONFIG_MODULES")}): extern {ext.Name} (strong) not resolved"));
        else
            findings.Add(new Reason(ReasonCodes.TypelessKsymModuleUnknown, ext.Name, at,
                $"program '{ctx.Name}': typeless ksym '{ext.Name}' is not in {ctx.KernelName}'s vmlinux kallsyms ({kallsyms.Origin}) nor in any module BTF known for it: a loaded module may provide it (libbpf reads /proc/kallsyms, modules included); check on the running kernel (agent) to decide"));
    }

    /// <summary>The module (of the kernel's module BTFs) whose BTF has a FUNC or VAR of this name: a symbol of its kallsyms.</summary>
    private static string? ModuleProviding(Kernels.KernelBtfSet kernel, string name) =>
        kernel.Modules.FirstOrDefault(m => m.Spec.FindFirstOfKind(name, Btf.BtfKind.Func) is not null
            || m.Spec.FindFirstOfKind(name, Btf.BtfKind.Var) is not null)?.Name;
}

/// <summary>
/// libbpf <c>bpf_object__read_kconfig_file</c>: any <c>CONFIG_*</c> extern makes libbpf read the kernel config and
/// fail the object when it has none; a strong one the config does not set fails ("is strong and not provided").
/// </summary>
public sealed class KconfigRule() : VerdictRule(
    RuleCode.Unknown(ReasonCodes.KconfigUnknown, "kernel config (upload it: POST /api/kernels/{id}/config)"),
    RuleCode.Fails(ReasonCodes.KconfigMissing, "kernel config")), IExternRule
{
    public void Check(ProgramContext ctx, BpfExtern ext, Findings findings)
    {
        if (ext.Kind != ExternKind.Kconfig || !ext.Name.StartsWith("CONFIG_", StringComparison.Ordinal)) return;
        var config = ctx.Kernel.Config;
        if (config is null)
            findings.Add(new Reason(ReasonCodes.KconfigUnknown, ext.Name, ctx.FirstReference(ext.Name),
                $"program '{ctx.Name}': kconfig '{ext.Name}': the kernel config of {ctx.KernelName} is not known (libbpf needs it at load time)"));
        else if (!ext.IsWeak && !config.ContainsKey(ext.Name))
            findings.Add(new Reason(ReasonCodes.KconfigMissing, ext.Name, ctx.FirstReference(ext.Name),
                $"program '{ctx.Name}': kconfig '{ext.Name}': is strong and not set in {ctx.KernelName}'s config"));
    }
}
