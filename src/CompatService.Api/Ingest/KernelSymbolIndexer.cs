using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>
/// Builds the kernel_symbols rows of a kernel. Which FUNCs count as kfuncs is the engine's one answer,
/// <see cref="KfuncInventory"/> — the same the verdicts use — so the Kernels page and the verdicts never disagree. With
/// neither bpf_kfunc tags nor .BTF_ids sets there are no kfunc rows at all — "unknown", not "none";
/// <see cref="KernelEntity.KfuncCount"/> is 0 and HasKfuncTags / HasKfuncFlags are false so readers can tell.
/// ksym variables (Kind "var"): every VAR of vmlinux and module BTF (per-cpu variables typed ksyms can reference).
/// Prototypes are <see cref="BtfFormatter.FormatPrototype"/> (types only).
/// </summary>
public static class KernelSymbolIndexer
{
    public sealed record Index(List<KernelSymbolEntity> Symbols, int TypeCount, int FunctionCount, int KfuncCount);

    public static Index Build(KernelBtfSet k)
    {
        var rows = KfuncInventory.Of(k).Select(e => new KernelSymbolEntity
        {
            Name = e.Name, Kind = "func", BtfId = e.Id.Value, Module = e.Module, Tagged = e.Tagged,
            Prototype = BtfFormatter.FormatPrototype(e.Spec, e.Id), Flags = e.Flags,
        }).ToList();
        var kfuncCount = rows.Count;
        var blobs = new List<(string? Module, BtfSpec Spec)> { (null, k.Vmlinux) };
        blobs.AddRange(k.Modules.Select(m => ((string?)m.Name, m.Spec)));
        int types = 0, funcs = 0;
        foreach (var (module, spec) in blobs)
        {
            types += (int)(spec.LastTypeId - spec.FirstTypeId + 1);
            funcs += spec.Funcs().Count;
            for (var v = spec.FirstTypeId; v <= spec.LastTypeId && v != 0; v++)
            {
                var id = new BtfTypeId(v);
                if (spec.KindOf(id) != BtfKind.Var) continue;
                rows.Add(new KernelSymbolEntity
                {
                    Name = spec.NameOf(id), Kind = "var", BtfId = v, Module = module, Tagged = false,
                    Prototype = BtfFormatter.FormatPrototype(spec, id),
                });
            }
        }
        return new Index(rows, types, funcs, kfuncCount);
    }
}
