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

    public static IReadOnlyList<BpfExtern> Collect(ElfFile elf, BtfSpec? btf, List<ObjectProblem> openErrors)
    {
        var pending = new List<(ElfSymbol Sym, ExternKind Kind, BtfTypeId BtfId, BtfTypeId TypeId, ulong Align, ulong Size)>();
        foreach (var sym in elf.Symbols)
        {
            if (!IsExtern(sym)) continue;
            if (btf is null)
            {
                openErrors.Add(new(ReasonCodes.NoBtf, sym.Name, $"extern '{sym.Name}': the object has no BTF (built without -g?); libbpf: failed to find BTF for extern '{sym.Name}'"));
                continue;
            }
            var id = BtfWalk.FindExtern(btf, sym.Name);
            if (id is null)
            {
                openErrors.Add(new(ReasonCodes.ExternWithoutBtf, sym.Name, $"extern '{sym.Name}': failed to find BTF for extern (no FUNC/VAR with extern linkage; implicitly declared?)"));
                continue;
            }
            var t = btf.GetType(id.Value);
            var sec = BtfWalk.FindContainingDatasec(btf, id.Value);
            var secName = sec?.Section.Name;
            if (secName == KconfigSection)
            {
                if (t is BtfFunc)
                {
                    openErrors.Add(new(ReasonCodes.ObjectOpenFailed, sym.Name, $"extern (kcfg) '{sym.Name}': FUNC in .kconfig is not supported"));
                    continue;
                }
                var varType = ((BtfVar)t).Type;
                var size = BtfWalk.SizeOf(btf, varType) ?? 0;
                pending.Add((sym, ExternKind.Kconfig, id.Value, varType, BtfWalk.AlignOf(btf, varType), size));
            }
            else if (secName == KsymsSection)
            {
                if (t is BtfFunc f)
                {
                    pending.Add((sym, ExternKind.Kfunc, id.Value, f.Proto, 0, 0));
                }
                else
                {
                    var varType = ((BtfVar)t).Type;
                    var skipped = BtfWalk.SkipModsAndTypedefs(btf, varType);
                    pending.Add((sym, skipped.IsVoid ? ExternKind.TypelessKsym : ExternKind.TypedKsym, id.Value, skipped, 0, 0));
                }
            }
            else
            {
                openErrors.Add(new(ReasonCodes.ObjectOpenFailed, sym.Name, $"extern '{sym.Name}': unrecognized extern section '{secName ?? "(none)"}'"));
            }
        }

        pending.Sort((a, b) =>
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
        });

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
                Index = i,
                Name = p.Sym.Name,
                EssentialName = BtfWalk.EssentialName(p.Sym.Name),
                Kind = p.Kind,
                IsWeak = p.Sym.IsWeak,
                Symbol = p.Sym,
                BtfId = p.BtfId,
                TypeId = p.TypeId,
                KconfigOffset = offset,
                KconfigSize = (uint)p.Size,
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
