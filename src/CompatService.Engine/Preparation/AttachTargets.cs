using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>attach_btf_id (and the module BTF fd when the target lives in a module) for BTF-attached programs.</summary>
public sealed record AttachTarget(uint BtfId, string? Module, string? Error);

/// <summary>
/// libbpf's find_kernel_btf_id: tp_btf → TYPEDEF `btf_trace_X`, lsm / lsm_cgroup → FUNC `bpf_lsm_X`, iter → FUNC
/// `bpf_iter_X`, fentry / fexit / fmod_ret → FUNC `X`; vmlinux first, then modules.
/// </summary>
public static class AttachTargets
{
    private const uint TraceRawTp = 23, LsmMac = 27, TraceIter = 28, LsmCgroup = 43;
    private const uint ProgTypeTracing = 26, ProgTypeStructOps = 27, ProgTypeExt = 28, ProgTypeLsm = 29;

    /// <summary>Null when the program needs no BTF attach target.</summary>
    public static AttachTarget? Resolve(BpfProgram program, KernelBtfSet kernel)
    {
        var info = program.SectionInfo;
        var def = ProgramSections.FindDefinition(program.SectionName.TrimStart('?'));
        var needsBtf = def?.AttachBtf == true || info.ProgramTypeId is ProgTypeTracing or ProgTypeLsm or ProgTypeExt;
        if (info.ProgramTypeId == ProgTypeStructOps) return null; // from its struct_ops map: StructOpsLayout
        if (!needsBtf) return null;
        if (info.ProgramTypeId == ProgTypeExt)
            return new AttachTarget(0, null, LoaderLimits.FreplacePrograms);
        var target = info.AttachTarget;
        if (string.IsNullOrEmpty(target))
            return new AttachTarget(0, null, $"prog '{program.Name}': section '{program.SectionName}' names no attach target");
        var (prefix, kind) = info.AttachTypeId switch
        {
            TraceRawTp => ("btf_trace_", BtfKind.Typedef),
            LsmMac or LsmCgroup => ("bpf_lsm_", BtfKind.Func),
            TraceIter => ("bpf_iter_", BtfKind.Func),
            _ => ("", BtfKind.Func),
        };
        var name = prefix + target;
        if (kernel.Vmlinux.FindFirstOfKind(name, kind) is { } id) return new AttachTarget(kernel.KernelIdOf(kernel.Vmlinux, id), null, null);
        foreach (var m in kernel.Modules)
            if (m.Spec.FindFirstOfKind(name, kind) is { } mid) return new AttachTarget(mid.Value, m.Name, null);
        return new AttachTarget(0, null, $"prog '{program.Name}': failed to find kernel BTF type ID of '{target}'");
    }
}
