using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Linking;

/// <summary>
/// Resolves an object's externs against a kernel the way libbpf's bpf_object__resolve_externs does: kfuncs (FUNC) and
/// typed ksyms (VAR) are looked up by essential name in vmlinux, then in each module's own types in order; kfunc prototypes
/// must be compatible (libbpf's rules); module kfuncs get an fd_array slot, assigned object-wide in extern order.
/// Pure: nothing here fails — failures are classified by the verdict logic.
/// </summary>
public static class ExternResolver
{
    public static ObjectResolution Resolve(BpfObject obj, KernelBtfSet kernel)
    {
        var results = new ExternResolution[obj.Externs.Count];
        var slots = new List<string> { string.Empty };
        foreach (var ext in obj.Externs)
        {
            results[ext.Index] = ext.Kind switch
            {
                ExternKind.Kfunc => ResolveKfunc(obj, kernel, ext, slots),
                ExternKind.TypedKsym => ResolveTypedKsym(obj, kernel, ext),
                _ => new ExternResolution(ext, ExternStatus.HostResolved, null, null, 0, null),
            };
        }
        return new ObjectResolution(results, slots);
    }

    private static ExternResolution ResolveKfunc(BpfObject obj, KernelBtfSet kernel, BpfExtern ext, List<string> slots)
    {
        var found = Find(kernel, ext.EssentialName, BtfKind.Func);
        if (found is null) return new ExternResolution(ext, ExternStatus.Missing, null, null, 0, null);
        var (spec, id, module) = found.Value;
        var func = (BtfFunc)spec.GetType(id);
        var prototype = BtfFormatter.FormatFunc(spec, id);
        if (!BtfCompatibility.AreCompatible(obj.Btf!, ext.TypeId, spec, func.Proto))
            return new ExternResolution(ext, ExternStatus.Incompatible, kernel.KernelIdOf(spec, id), module, 0, prototype);
        var slot = 0;
        if (module is not null)
        {
            slot = slots.IndexOf(module);
            if (slot < 0) { slot = slots.Count; slots.Add(module); }
        }
        return new ExternResolution(ext, ExternStatus.Resolved, kernel.KernelIdOf(spec, id), module, slot, prototype);
    }

    private static ExternResolution ResolveTypedKsym(BpfObject obj, KernelBtfSet kernel, BpfExtern ext)
    {
        var found = Find(kernel, ext.EssentialName, BtfKind.Var);
        if (found is null) return new ExternResolution(ext, ExternStatus.Missing, null, null, 0, null);
        var (spec, id, module) = found.Value;
        var kernelType = BtfWalk.SkipModsAndTypedefs(spec, ((BtfVar)spec.GetType(id)).Type);
        var prototype = BtfFormatter.FormatType(spec, kernelType);
        var ok = BtfCompatibility.AreCompatible(obj.Btf!, ext.TypeId, spec, kernelType);
        return new ExternResolution(ext, ok ? ExternStatus.Resolved : ExternStatus.Incompatible, kernel.KernelIdOf(spec, id), module, 0, prototype);
    }

    /// <summary>vmlinux first (all its types), then each module's own types, in module order.</summary>
    public static (BtfSpec Spec, BtfTypeId Id, string? Module)? Find(KernelBtfSet kernel, string name, BtfKind kind)
    {
        foreach (var id in kernel.Vmlinux.FindByName(name))
            if (kernel.Vmlinux.KindOf(id) == kind) return (kernel.Vmlinux, id, null);
        foreach (var module in kernel.Modules)
            foreach (var id in module.Spec.FindByName(name))
                if (module.Spec.KindOf(id) == kind) return (module.Spec, id, module.Name);
        return null;
    }
}
