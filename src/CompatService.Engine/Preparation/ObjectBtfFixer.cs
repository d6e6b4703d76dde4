using CompatService.Engine.Elf;
using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>
/// The BTF rewrites libbpf makes to an object's BTF before loading it into the kernel:
/// .ksyms externs become 4-byte allocated VARs (extern FUNCs become GLOBAL with named params, their slot points at a
/// dummy int VAR), .kconfig VARs get their map offsets, other DATASECs get their size and VAR offsets from the ELF
/// (clang leaves zeroes), hidden global VARs / FUNCs become static, and every DATASEC's VARs are sorted by offset.
/// </summary>
public static class ObjectBtfFixer
{
    public const string KsymsSec = ".ksyms", KconfigSec = ".kconfig";
    private const byte StvHidden = 2, StvInternal = 1;

    public static void Fix(RawBtf btf, ElfFile elf, IReadOnlyList<BpfExtern> externs)
    {
        var count = (uint)btf.Count;
        for (uint id = 1; id < count; id++)
        {
            if (btf.Kind(id) != RawBtfKind.Datasec) continue;
            var name = btf.Name(id);
            if (name == KsymsSec) FixKsyms(btf, id);
            else if (name == KconfigSec) FixKconfig(btf, id, externs);
            else FixDatasec(btf, id, name, elf);
            SortVars(btf, id);
        }
        MarkHiddenFuncsStatic(btf, elf, count);
    }

    private static void FixKsyms(RawBtf btf, uint sec)
    {
        var intId = FindInt32(btf);
        if (intId == 0) intId = btf.AddType(RawBtfKind.Int, btf.AddString("int"), 0, 4, (1u << 24) | 32);
        var dummyName = btf.AddString("dummy_ksym");
        var dummyVar = btf.AddType(RawBtfKind.Var, dummyName, 0, intId, 1);
        var n = btf.Vlen(sec);
        uint off = 0;
        for (var i = 0; i < n; i++, off += 4)
        {
            var vt = btf.Word(sec, 3 * i);
            if (btf.Kind(vt) == RawBtfKind.Func)
            {
                var proto = btf.SizeOrType(vt);
                if (proto != 0 && btf.Kind(proto) == RawBtfKind.FuncProto)
                    for (var j = 0; j < btf.Vlen(proto); j++)
                        if (btf.Word(proto, 2 * j + 1) != 0 && btf.Word(proto, 2 * j) == 0) btf.SetWord(proto, 2 * j, dummyName);
                btf.SetWord(sec, 3 * i, dummyVar);
                btf.SetInfo(vt, RawBtfKind.Func, 1); // BTF_FUNC_GLOBAL: the kernel rejects extern linkage
            }
            else if (btf.Kind(vt) == RawBtfKind.Var)
            {
                btf.SetWord(vt, 0, 1); // BTF_VAR_GLOBAL_ALLOCATED
                btf.SetSizeOrType(vt, intId);
            }
            btf.SetWord(sec, 3 * i + 1, off);
            btf.SetWord(sec, 3 * i + 2, 4);
        }
        btf.SetSizeOrType(sec, off);
    }

    private static void FixKconfig(RawBtf btf, uint sec, IReadOnlyList<BpfExtern> externs)
    {
        uint size = 0;
        foreach (var e in externs)
            if (e.Kind == ExternKind.Kconfig) size = Math.Max(size, e.KconfigOffset + e.KconfigSize);
        btf.SetSizeOrType(sec, size);
        for (var i = 0; i < btf.Vlen(sec); i++)
        {
            var vt = btf.Word(sec, 3 * i);
            if (btf.Kind(vt) != RawBtfKind.Var) continue;
            btf.SetWord(vt, 0, 1);
            var ext = externs.FirstOrDefault(e => e.Kind == ExternKind.Kconfig && e.Name == btf.Name(vt));
            if (ext is not null) btf.SetWord(sec, 3 * i + 1, ext.KconfigOffset);
        }
    }

    private static void FixDatasec(RawBtf btf, uint sec, string name, ElfFile elf)
    {
        var fixOffsets = false;
        if (btf.SizeOrType(sec) == 0)
        {
            var section = elf.FindSection(name);
            if (section is null || section.Size == 0) return; // libbpf fails the open here; the kernel will say why
            btf.SetSizeOrType(sec, (uint)section.Size);
            fixOffsets = true;
        }
        for (var i = 0; i < btf.Vlen(sec); i++)
        {
            var vt = btf.Word(sec, 3 * i);
            if (vt == 0 || vt >= btf.Count || btf.Kind(vt) != RawBtfKind.Var) continue;
            var linkage = btf.Word(vt, 0);
            if (linkage is 0 or 2) continue; // static / extern
            var sym = FindVarSymbol(elf, btf.Name(vt));
            if (sym is null) continue;
            if (fixOffsets) btf.SetWord(sec, 3 * i + 1, (uint)sym.Value);
            if (sym.Visibility is StvHidden or StvInternal) btf.SetWord(vt, 0, 0);
        }
    }

    private static ElfSymbol? FindVarSymbol(ElfFile elf, string name)
    {
        foreach (var s in elf.Symbols)
            if (s.Type == ElfConstants.SttObject && (s.IsGlobal || s.IsWeak) && s.Name == name) return s;
        return null;
    }

    private static void MarkHiddenFuncsStatic(RawBtf btf, ElfFile elf, uint count)
    {
        HashSet<string>? hidden = null;
        foreach (var s in elf.Symbols)
            if (s.Type == ElfConstants.SttFunc && s.IsGlobal && s.Visibility is StvHidden or StvInternal) (hidden ??= []).Add(s.Name);
        if (hidden is null) return;
        for (uint id = 1; id < count; id++)
            if (btf.Kind(id) == RawBtfKind.Func && btf.Vlen(id) == 1 && hidden.Contains(btf.Name(id))) btf.SetInfo(id, RawBtfKind.Func, 0);
    }

    private static void SortVars(RawBtf btf, uint sec)
    {
        var n = btf.Vlen(sec);
        var vars = new (uint Type, uint Offset, uint Size)[n];
        for (var i = 0; i < n; i++) vars[i] = (btf.Word(sec, 3 * i), btf.Word(sec, 3 * i + 1), btf.Word(sec, 3 * i + 2));
        var sorted = vars.OrderBy(v => v.Offset).ToArray(); // stable, like a qsort on distinct offsets
        for (var i = 0; i < n; i++)
        {
            btf.SetWord(sec, 3 * i, sorted[i].Type);
            btf.SetWord(sec, 3 * i + 1, sorted[i].Offset);
            btf.SetWord(sec, 3 * i + 2, sorted[i].Size);
        }
    }

    private static uint FindInt32(RawBtf btf)
    {
        for (uint id = 1; id < btf.Count; id++)
            if (btf.Kind(id) == RawBtfKind.Int && (btf.Word(id, 0) & 0xff) == 32) return id;
        return 0;
    }
}
