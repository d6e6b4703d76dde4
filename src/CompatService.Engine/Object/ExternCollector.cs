using CompatService.Engine.Analysis;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using static CompatService.Engine.Elf.ElfConstants;

namespace CompatService.Engine.Object;

/// <summary>
/// Collects externs the way libbpf's bpf_object__collect_externs does: every undefined GLOBAL/WEAK NOTYPE symbol with a
/// name, its BTF FUNC/VAR (extern linkage), its DATASEC (.ksyms or .kconfig), sorted into libbpf's order
/// (kconfig first: alignment descending, size ascending; then by name) which fixes each extern's index.
/// </summary>
internal static class ExternCollector
{
    public const string KsymsSection = ".ksyms", KconfigSection = ".kconfig";

    private readonly record struct Pending(ElfSymbol Sym, ExternKind Kind, BtfTypeId BtfId, BtfTypeId TypeId, ulong Align, ulong Size);

    public static IReadOnlyList<BpfExtern> Collect(ElfFile elf, BtfSpec? btf, List<ObjectProblem> openErrors)
    {
        var pending = new List<Pending>();
        foreach (var sym in elf.Symbols)
            if (IsExtern(sym) && Classify(sym, btf, openErrors) is { } p) pending.Add(p);
        pending.Sort(LibbpfOrder);
        return Place(pending, openErrors);
    }

    /// <summary>The extern's BTF and kind from its DATASEC (.kconfig or .ksyms); null (with the open error) when libbpf fails it.</summary>
    private static Pending? Classify(ElfSymbol sym, BtfSpec? btf, List<ObjectProblem> openErrors)
    {
        if (btf is null)
        {
            openErrors.Add(new(ReasonCodes.NoBtf, sym.Name, $"extern '{sym.Name}': the object has no BTF (built without -g?); libbpf: failed to find BTF for extern '{sym.Name}'"));
            return null;
        }
        var id = BtfWalk.FindExtern(btf, sym.Name);
        if (id is null)
        {
            openErrors.Add(new(ReasonCodes.ExternWithoutBtf, sym.Name, $"extern '{sym.Name}': failed to find BTF for extern (no FUNC/VAR with extern linkage; implicitly declared?)"));
            return null;
        }
        var t = btf.GetType(id.Value);
        var secName = BtfWalk.FindContainingDatasec(btf, id.Value)?.Section.Name;
        if (secName == KconfigSection)
        {
            if (t is BtfFunc)
            {
                openErrors.Add(new(ReasonCodes.ObjectOpenFailed, sym.Name, $"extern (kcfg) '{sym.Name}': FUNC in .kconfig is not supported"));
                return null;
            }
            var varType = ((BtfVar)t).Type;
            return new Pending(sym, ExternKind.Kconfig, id.Value, varType, BtfWalk.AlignOf(btf, varType), BtfWalk.SizeOf(btf, varType) ?? 0);
        }
        if (secName == KsymsSection)
        {
            if (t is BtfFunc f) return new Pending(sym, ExternKind.Kfunc, id.Value, f.Proto, 0, 0);
            var skipped = BtfWalk.SkipModsAndTypedefs(btf, ((BtfVar)t).Type);
            return new Pending(sym, skipped.IsVoid ? ExternKind.TypelessKsym : ExternKind.TypedKsym, id.Value, skipped, 0, 0);
        }
        openErrors.Add(new(ReasonCodes.ObjectOpenFailed, sym.Name, $"extern '{sym.Name}': unrecognized extern section '{secName ?? "(none)"}'"));
        return null;
    }

    /// <summary>libbpf's cmp_externs: kconfig first (alignment descending, then size ascending), then by name.</summary>
    private static int LibbpfOrder(Pending a, Pending b)
    {
        var ak = a.Kind == ExternKind.Kconfig;
        var bk = b.Kind == ExternKind.Kconfig;
        if (ak != bk) return ak ? -1 : 1;
        if (ak)
        {
            if (a.Align != b.Align) return a.Align > b.Align ? -1 : 1;
            if (a.Size != b.Size) return a.Size < b.Size ? -1 : 1;
        }
        return string.CompareOrdinal(a.Sym.Name, b.Sym.Name);
    }

    /// <summary>Indexes in sorted order and .kconfig offsets (aligned, within the largest map value the kernel creates).</summary>
    private static List<BpfExtern> Place(List<Pending> pending, List<ObjectProblem> openErrors)
    {
        var result = new List<BpfExtern>(pending.Count);
        long kconfigOffset = 0;
        var kconfigTooLarge = false;
        for (var i = 0; i < pending.Count; i++)
        {
            var p = pending[i];
            uint offset = 0;
            if (p.Kind == ExternKind.Kconfig && !kconfigTooLarge)
            {
                var align = (long)Math.Clamp(p.Align, 1UL, (ulong)MaxKconfigBytes);
                kconfigOffset = (kconfigOffset + align - 1) / align * align;
                var extent = kconfigOffset + (long)Math.Min((ulong)p.Size, (ulong)MaxKconfigBytes + 1);
                if (extent > MaxKconfigBytes)
                {
                    // libbpf creates .kconfig as one array-map value; the kernel refuses values over KMALLOC_MAX_SIZE (E2BIG).
                    kconfigTooLarge = true;
                    openErrors.Add(new(ReasonCodes.ObjectOpenFailed, p.Sym.Name,
                        $"extern '{p.Sym.Name}': the .kconfig area would exceed {MaxKconfigBytes >> 20} MiB, more than the kernel accepts for a map value (E2BIG)"));
                }
                else
                {
                    offset = (uint)kconfigOffset;
                    kconfigOffset = extent;
                }
            }
            result.Add(new BpfExtern
            {
                Index = i, Name = p.Sym.Name, EssentialName = BtfWalk.EssentialName(p.Sym.Name), Kind = p.Kind, IsWeak = p.Sym.IsWeak,
                Symbol = p.Sym, BtfId = p.BtfId, TypeId = p.TypeId, KconfigOffset = offset, KconfigSize = (uint)p.Size,
            });
        }
        return result;
    }

    /// <summary>KMALLOC_MAX_SIZE with 4 KiB pages: the largest array-map value the kernel creates.</summary>
    public const long MaxKconfigBytes = 4L << 20;

    /// <summary>libbpf sym_is_extern: undefined, GLOBAL or WEAK, NOTYPE, with a name.</summary>
    public static bool IsExtern(ElfSymbol sym) =>
        sym.IsUndefined && sym.Index != 0 && (sym.IsGlobal || sym.IsWeak) && sym.Type == SttNotype && sym.Name.Length > 0;
}
