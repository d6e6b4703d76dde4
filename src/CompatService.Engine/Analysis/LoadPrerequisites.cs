using CompatService.Contracts;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis;

/// <summary>
/// What libbpf needs from the kernel before it even submits a program, besides externs: a program type it can
/// tell from the section name, the BTF attach target of tracing / LSM / iterator programs (libbpf
/// find_kernel_btf_id: `btf_trace_X` typedef for tp_btf, `bpf_lsm_X` for lsm, `bpf_iter_X` for iter, the FUNC itself
/// for fentry / fexit / fmod_ret, vmlinux then modules), and the kernel struct of every struct_ops map
/// (`struct X` and its `bpf_struct_ops_X` wrapper).
/// </summary>
public static class LoadPrerequisites
{
    public static IEnumerable<Reason> ForProgram(BpfProgram program, KernelBtfSet kernel, string kernelName)
    {
        var info = program.SectionInfo;
        if (info.ProgramTypeId == 0 && ProgramSections.Resolve(program.SectionName) is null)
        {
            yield return new Reason(ReasonCodes.UnknownProgramType, null, null,
                $"program '{program.Name}': libbpf cannot tell the program type from section '{program.SectionName}' (missing BPF prog type)");
            yield break;
        }
        var lookup = TargetLookup(info);
        if (lookup is null) yield break;
        var (prefix, kind) = lookup.Value;
        if (string.IsNullOrEmpty(info.AttachTarget))
        {
            yield return new Reason(ReasonCodes.AttachTargetAtRuntime, null, null,
                $"program '{program.Name}': section '{program.SectionName}' names no attach target; the loader must set one at run time");
            yield break;
        }
        var target = info.AttachTarget;
        string? module = null;
        var colon = target.IndexOf(':');
        if (colon > 0 && prefix.Length == 0) { module = target[..colon]; target = target[(colon + 1)..]; }
        var name = prefix + target;
        if (!Exists(kernel, name, kind, module))
            yield return new Reason(ReasonCodes.AttachTargetMissing, name, null,
                $"program '{program.Name}': attach target '{name}' ({kind.ToString().ToLowerInvariant()}) not found in {kernelName} BTF{(module is null ? "" : $" of module {module}")}");
    }

    public static IEnumerable<(string Symbol, string Message)> ForObject(BpfObject obj, KernelBtfSet kernel, string kernelName)
    {
        foreach (var s in obj.StructOps)
        {
            if (!Exists(kernel, s.TypeName, BtfKind.Struct, null))
                yield return (s.TypeName, $"struct_ops map '{s.Name}': struct {s.TypeName} is not found in {kernelName} BTF");
            else if (!Exists(kernel, "bpf_struct_ops_" + s.TypeName, BtfKind.Struct, null))
                yield return (s.TypeName, $"struct_ops map '{s.Name}': struct bpf_struct_ops_{s.TypeName} is not found in {kernelName} BTF (not a struct_ops type there)");
        }
    }

    // Map types whose max_entries may (or must) be 0: perf event arrays (libbpf sizes them to the CPU count),
    // local storages (sk, inode, task, cgroup) and struct_ops (libbpf sets 1).
    private static readonly HashSet<uint> ZeroEntriesAllowed = [4, 24, 26, 28, 29, 32];

    /// <summary>Maps left at max_entries 0: libbpf creates every map of the object, and the kernel refuses these unless sized.</summary>
    public static IEnumerable<Reason> UnsizedMaps(BpfObject obj, BpfProgram program)
    {
        foreach (var m in obj.Maps)
            if (m.Origin is MapOrigin.BtfDefined or MapOrigin.Legacy && m.MaxEntries == 0 && !ZeroEntriesAllowed.Contains(m.Type))
                yield return new Reason(ReasonCodes.MapSizedAtRuntime, m.Name, null,
                    $"note: program '{program.Name}': map '{m.Name}' has max_entries 0: the object loads only if the loader sizes it at run time (skeleton tools do; loaded as shipped, map creation fails with EINVAL)");
    }

    private static (string Prefix, BtfKind Kind)? TargetLookup(ProgramSectionInfo info) => (info.ProgramType, info.AttachType) switch
    {
        ("tracing", "trace_raw_tp") => ("btf_trace_", BtfKind.Typedef),
        ("tracing", "trace_fentry" or "trace_fexit" or "modify_return") => ("", BtfKind.Func),
        ("tracing", "trace_iter") => ("bpf_iter_", BtfKind.Func),
        ("lsm", "lsm_mac" or "lsm_cgroup") => ("bpf_lsm_", BtfKind.Func),
        _ => null,
    };

    /// <summary>vmlinux then modules (the lookup externs use), or only the named module for `fentry/module:func`.</summary>
    private static bool Exists(KernelBtfSet kernel, string name, BtfKind kind, string? module) =>
        module is null
            ? Linking.ExternResolver.Find(kernel, name, kind) is not null
            : kernel.Modules.Any(m => m.Name == module && m.Spec.FindByName(name).Any(id => m.Spec.KindOf(id) == kind));
}
