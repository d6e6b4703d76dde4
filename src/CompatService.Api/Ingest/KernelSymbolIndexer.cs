using CompatService.Data.Entities;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>
/// Builds the kernel_symbols rows of a kernel. Which FUNCs count as kfuncs (decided here, documented in the README):
/// <list type="number">
/// <item>the BTF carries bpf_kfunc decl tags (pahole ≥ 1.27): exactly the tagged FUNCs (vmlinux and modules), with
/// KF_* flags added from .BTF_ids when the kernel came from an image;</item>
/// <item>no tags but the kfunc sets from the image's .BTF_ids are known: the FUNCs named there (Tagged = false);</item>
/// <item>neither (raw BTF of an untagged kernel): no kfunc rows at all — "unknown", not "none"; <see cref="KernelEntity.KfuncCount"/>
/// is 0 and HasKfuncTags / HasKfuncFlags are false so readers can tell. Every FUNC is NOT stored as a candidate
/// (≈ 60 000 rows per kernel for no answer).</item>
/// </list>
/// ksym variables (Kind "var"): every VAR of vmlinux and module BTF (per-cpu variables typed ksyms can reference).
/// </summary>
public static class KernelSymbolIndexer
{
    public sealed record Index(List<KernelSymbolEntity> Symbols, int TypeCount, int FunctionCount, int KfuncCount);

    public static Index Build(KernelBtfSet k)
    {
        var rows = new List<KernelSymbolEntity>();
        var blobs = new List<(string? Module, BtfSpec Spec)> { (null, k.Vmlinux) };
        blobs.AddRange(k.Modules.Select(m => ((string?)m.Name, m.Spec)));
        var flags = k.KfuncFlags;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int types = 0, funcs = 0;
        foreach (var (module, spec) in blobs)
        {
            types += (int)(spec.LastTypeId - spec.FirstTypeId + 1);
            var all = spec.Funcs();
            funcs += all.Count;
            IEnumerable<(BtfTypeId Id, bool Tagged)> kfuncs;
            if (k.HasKfuncTags)
                kfuncs = spec.FuncsWithDeclTag(KfuncTags.Kfunc).Select(id => (id, true));
            else if (flags is not null)
                kfuncs = all.Where(id => flags.ContainsKey(spec.NameOf(id))).Select(id => (id, false));
            else
                kfuncs = [];
            foreach (var (id, tagged) in kfuncs)
            {
                var name = spec.NameOf(id);
                if (!seen.Add(name)) continue; // a name defined in vmlinux wins over a module's copy
                rows.Add(new KernelSymbolEntity
                {
                    Name = name, Kind = "func", BtfId = id.Value, Module = module, Tagged = tagged,
                    Prototype = BtfPrototype.OfFunc(spec, id),
                    Flags = flags is not null && flags.TryGetValue(name, out var f) ? f : null,
                });
            }
            for (var v = spec.FirstTypeId; v <= spec.LastTypeId && v != 0; v++)
            {
                var id = new BtfTypeId(v);
                if (spec.KindOf(id) != BtfKind.Var) continue;
                rows.Add(new KernelSymbolEntity
                {
                    Name = spec.NameOf(id), Kind = "var", BtfId = v, Module = module, Tagged = false,
                    Prototype = BtfPrototype.OfVar(spec, id),
                });
            }
        }
        return new Index(rows, types, funcs, rows.Count(r => r.Kind == "func"));
    }
}
