using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using CompatService.Engine.Preparation;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// libbpf <c>bpf_object__init_prog</c> / <c>libbpf_prepare_prog_load</c>: the program type and expected attach type come
/// from the section name (libbpf's <c>section_defs[]</c>, see <see cref="ProgramSections"/>); an unknown section is
/// "missing BPF prog type". The kernel refuses a program type its <c>enum bpf_prog_type</c> lacks (bpf_prog_load:
/// <c>find_prog_type</c> -EINVAL), and an expected attach type its <c>enum bpf_attach_type</c> lacks cannot be loaded
/// or attached (<c>bpf_prog_load_check_attach</c> / link create -EINVAL). Types are compared by NAME through the
/// engine's tables, the kernel's enums read from its own BTF.
/// </summary>
public sealed class ProgramTypeRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.UnknownProgramType, "object"),
    RuleCode.Fails(ReasonCodes.ProgramTypeUnsupported, "kernel BTF: enum bpf_prog_type"),
    RuleCode.Fails(ReasonCodes.AttachTypeUnsupported, "kernel BTF: enum bpf_attach_type"),
    RuleCode.Unknown(ReasonCodes.KernelEnumsUnavailable, "kernel BTF with enum bpf_prog_type / bpf_attach_type / bpf_func_id / bpf_map_type")), IProgramRule
{
    public static bool IsUnknownType(BpfProgram program) =>
        program.SectionInfo.ProgramTypeId == 0 && ProgramSections.Resolve(program.SectionName) is null;

    public void Check(ProgramContext ctx, Findings findings)
    {
        var program = ctx.Program;
        if (IsUnknownType(program))
        {
            findings.Add(new Reason(ReasonCodes.UnknownProgramType, null, null,
                $"program '{program.Name}': libbpf cannot tell the program type from section '{program.SectionName}' (missing BPF prog type)"));
            return;
        }
        var enums = ctx.Kernel.Enums;
        var info = program.SectionInfo;
        switch (enums.HasProgramType(info.ProgramType))
        {
            case false:
                findings.Add(new Reason(ReasonCodes.ProgramTypeUnsupported, KernelEnums.ProgramTypeName(info.ProgramType), null,
                    $"program '{program.Name}': program type {KernelEnums.ProgramTypeName(info.ProgramType)} (section '{program.SectionName}') is not in {ctx.KernelName}'s enum bpf_prog_type: the kernel refuses it (bpf_prog_load: EINVAL)"));
                return;
            case null:
                findings.Add(new Reason(ReasonCodes.KernelEnumsUnavailable, "bpf_prog_type", null,
                    $"program '{program.Name}': {ctx.KernelName}'s BTF has no enum bpf_prog_type, so whether it knows program type {info.ProgramType} cannot be told (supply the kernel's full vmlinux BTF)"));
                return;
        }
        if (info.AttachType is { } attach && enums.HasAttachType(attach) == false)
            findings.Add(new Reason(ReasonCodes.AttachTypeUnsupported, KernelEnums.AttachTypeName(attach), null,
                $"program '{program.Name}': expected attach type {KernelEnums.AttachTypeName(attach)} (section '{program.SectionName}') is not in {ctx.KernelName}'s enum bpf_attach_type"));
    }
}

/// <summary>
/// libbpf <c>libbpf_find_attach_btf_id</c> / <c>find_kernel_btf_id</c>: tracing, LSM and iterator programs name a BTF
/// attach target (`btf_trace_X` typedef for tp_btf, `bpf_lsm_X` for lsm, `bpf_iter_X` for iter, the FUNC itself for
/// fentry / fexit / fmod_ret; vmlinux then modules, or the named module for `fentry/module:func`). A section without a
/// target leaves it to the loader at run time: unknown.
/// </summary>
public sealed class AttachTargetRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.AttachTargetMissing, "kernel BTF (vmlinux + modules)"),
    RuleCode.Unknown(ReasonCodes.AttachTargetAtRuntime, "the attach target the loader sets at run time"),
    RuleCode.Fails(ReasonCodes.StructOpsUnreferenced, "object: the struct_ops maps")), IProgramRule
{
    public void Check(ProgramContext ctx, Findings findings)
    {
        var program = ctx.Program;
        var info = program.SectionInfo;
        if (info.ProgramTypeId == StructOpsLayout.ProgTypeStructOps)
        {
            // libbpf: a struct_ops program gets attach_btf_id / member index from the map that references it.
            var layout = ctx.Obj.StructOps;
            if (layout.Error is null && !layout.Programs.ContainsKey(program.Name))
                findings.Add(new Reason(ReasonCodes.StructOpsUnreferenced, null, null, StructOpsLayout.UnreferencedMessage(program.Name)));
            return;
        }
        if (ProgramTypeRule.IsUnknownType(program) || Lookup(info) is not { } lookup) return;
        var (prefix, kind) = lookup;
        if (string.IsNullOrEmpty(info.AttachTarget))
        {
            findings.Add(new Reason(ReasonCodes.AttachTargetAtRuntime, null, null,
                $"program '{program.Name}': section '{program.SectionName}' names no attach target; the loader must set one at run time"));
            return;
        }
        var target = info.AttachTarget;
        string? module = null;
        var colon = target.IndexOf(':');
        if (colon > 0 && prefix.Length == 0) { module = target[..colon]; target = target[(colon + 1)..]; }
        var name = prefix + target;
        if (!Exists(ctx.Kernel, name, kind, module))
            findings.Add(new Reason(ReasonCodes.AttachTargetMissing, name, null,
                $"program '{program.Name}': attach target '{name}' ({kind.ToString().ToLowerInvariant()}) not found in {ctx.KernelName} BTF{(module is null ? "" : $" of module {module}")}"));
    }

    internal static (string Prefix, BtfKind Kind)? Lookup(ProgramSectionInfo info) => (info.ProgramType, info.AttachType) switch
    {
        ("tracing", "trace_raw_tp") => ("btf_trace_", BtfKind.Typedef),
        ("tracing", "trace_fentry" or "trace_fexit" or "modify_return") => ("", BtfKind.Func),
        ("tracing", "trace_iter") => ("bpf_iter_", BtfKind.Func),
        ("lsm", "lsm_mac" or "lsm_cgroup") => ("bpf_lsm_", BtfKind.Func),
        _ => null,
    };

    private static bool Exists(KernelBtfSet kernel, string name, BtfKind kind, string? module) =>
        module is null
            ? Linking.ExternResolver.Find(kernel, name, kind) is not null
            : kernel.Modules.Any(m => m.Name == module && m.Spec.FindByName(name).Any(id => m.Spec.KindOf(id) == kind));
}
