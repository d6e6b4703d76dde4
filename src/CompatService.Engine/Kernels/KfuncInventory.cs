using CompatService.Engine.Btf;

namespace CompatService.Engine.Kernels;

/// <summary>One kfunc of a kernel: where its FUNC is, whether a bpf_kfunc decl tag marks it, its KF_* flags when known.</summary>
public sealed record KfuncEntry(string Name, string? Module, BtfSpec Spec, BtfTypeId Id, bool Tagged, uint? Flags);

/// <summary>
/// The one answer to "is this function a kfunc?", used by the verdicts (kfunc calls of a program) and by the kernel
/// inventory (the service's kernel symbols, the Kernels page). Sources, best first (kfunc-semantics §6):
/// <list type="number">
/// <item>a vmlinux FUNC: the kfunc sets of the image's .BTF_ids when the kernel came with them (a name there is a
/// kfunc, a name absent is not), else the bpf_kfunc decl tags of its BTF (pahole ≥ 1.27);</item>
/// <item>a module FUNC: the module BTF's own bpf_kfunc decl tags when it has any, else its name in the .BTF_ids sets
/// (those of a package cover its modules' sets too) says "kfunc" — its absence proves nothing (the module's sets may not
/// have been scanned);</item>
/// <item>no source: null, "unknown", never "no".</item>
/// </list>
/// </summary>
public static class KfuncInventory
{
    public static bool? IsKfunc(KernelBtfSet kernel, BtfSpec spec, BtfTypeId id)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(spec);
        var flags = kernel.KfuncFlags;
        if (ReferenceEquals(spec, kernel.Vmlinux) && flags is not null) return flags.ContainsKey(spec.NameOf(id));
        if (spec.HasDeclTag(KfuncTags.Kfunc)) return spec.DeclTagsOf(id).Contains(KfuncTags.Kfunc);
        if (flags is not null && flags.ContainsKey(spec.NameOf(id))) return true;
        return null;
    }

    /// <summary>
    /// Every FUNC of the kernel that <see cref="IsKfunc"/> calls a kfunc, vmlinux first then modules in load order; a
    /// name vmlinux defines wins over a module's copy. Empty when the kernel has neither tags nor .BTF_ids sets.
    /// </summary>
    public static IReadOnlyList<KfuncEntry> Of(KernelBtfSet kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var result = new List<KfuncEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var flags = kernel.KfuncFlags;
        var blobs = new List<(string? Module, BtfSpec Spec)> { (null, kernel.Vmlinux) };
        blobs.AddRange(kernel.Modules.Select(m => ((string?)m.Name, m.Spec)));
        foreach (var (module, spec) in blobs)
        {
            var tagged = spec.HasDeclTag(KfuncTags.Kfunc) ? spec.FuncsWithDeclTag(KfuncTags.Kfunc).ToHashSet() : null;
            IEnumerable<BtfTypeId> ids;
            if (module is null && flags is not null) ids = spec.Funcs().Where(id => flags.ContainsKey(spec.NameOf(id)));
            else if (tagged is not null) ids = tagged.OrderBy(id => id.Value);
            else if (flags is not null) ids = spec.Funcs().Where(id => flags.ContainsKey(spec.NameOf(id)));
            else continue;
            foreach (var id in ids)
            {
                var name = spec.NameOf(id);
                if (!seen.Add(name)) continue;
                result.Add(new KfuncEntry(name, module, spec, id, tagged?.Contains(id) ?? false,
                    flags is not null && flags.TryGetValue(name, out var f) ? f : null));
            }
        }
        return result;
    }
}
