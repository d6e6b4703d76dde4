using CompatService.Engine.Asm;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Linking;

public enum CoreRelocationStatus
{
    /// <summary>The instruction takes <see cref="CoreRelocation.Value"/> (existence checks that found nothing give 0 here).</summary>
    Patched,
    /// <summary>No target matched: the instruction became <c>call 0xbad2310</c>; the load fails only if the verifier reaches it.</summary>
    Poisoned,
    /// <summary>libbpf refuses the relocation (ambiguous candidates, bad access string, unexpected instruction): the load fails.</summary>
    Failed,
}

/// <summary>One CO-RE relocation of a linked program on one kernel.</summary>
public sealed record CoreRelocation(
    int Insn,
    CoreReloKind Kind,
    string LocalType,
    string AccessString,
    CoreRelocationStatus Status,
    ulong? Value,
    string Reason)
{
    /// <summary>Target type id (kernel BTF) of the matching candidate, when one matched.</summary>
    public BtfTypeId? TargetTypeId { get; init; }
    /// <summary>The module whose BTF held the candidate (null for vmlinux).</summary>
    public string? Module { get; init; }
    /// <summary>The rewritten instruction (first half for ld_imm64) after this relocation.</summary>
    public Instruction? Patched { get; init; }
    /// <summary>The second half, when the relocated instruction is an ld_imm64.</summary>
    public Instruction? PatchedHigh { get; init; }
    /// <summary>Human-readable access path, e.g. "struct task_struct.pid" or "enum bpf_func_id::BPF_FUNC_loop".</summary>
    public string Path { get; init; } = "";
}

/// <summary>
/// CO-RE relocation of one linked program against one kernel, with libbpf v1.7 semantics (bpf_core_apply_relo):
/// records from .BTF.ext (by section and byte offset) are placed at their instruction in the linked program — the
/// entry program's own section, and each appended sub-program through its function's place in its section; candidates
/// are types of the same kind whose name equals the local type's essential name (___flavour stripped), in vmlinux, or
/// only when vmlinux has none, in module BTFs; every matching candidate must agree. Target names are looked up exactly
/// (a flavoured name in the kernel's own BTF is not a candidate; kernels do not ship those).
/// </summary>
public static class CoreRelocator
{
    /// <summary>Computes every CO-RE relocation of <paramref name="program"/>; the program's instructions are not modified.</summary>
    public static IReadOnlyList<CoreRelocation> Compute(BpfObject obj, BpfProgram program, KernelBtfSet kernel) =>
        Apply(obj, program, kernel, program.Instructions.ToArray());

    /// <summary>Computes and applies the relocations to <paramref name="insns"/> (a copy of the linked program) in place.</summary>
    public static IReadOnlyList<CoreRelocation> Apply(BpfObject obj, BpfProgram program, KernelBtfSet kernel, Instruction[] insns)
    {
        if (obj.BtfExt is not { } ext || obj.Btf is not { } btf || ext.CoreRelos.Count == 0) return [];
        var ranges = Ranges(obj, program);
        var results = new List<CoreRelocation>();
        var candidateCache = new Dictionary<BtfTypeId, List<(BtfSpec Spec, BtfTypeId Id, string? Module)>>();
        var littleEndian = !kernel.Vmlinux.Endian.IsBig;
        foreach (var (section, records) in ext.CoreRelos)
        {
            foreach (var range in ranges)
            {
                if (range.Section != section) continue;
                foreach (var rec in records)
                {
                    if (rec.InsnOffset % Instruction.Size != 0) continue;
                    var sectionInsn = (long)(rec.InsnOffset / Instruction.Size);
                    if (sectionInsn < range.SectionStart || sectionInsn >= range.SectionStart + range.Length) continue;
                    var insn = (int)(range.LinkedStart + sectionInsn - range.SectionStart);
                    results.Add(One(btf, rec, insn, insns, kernel, candidateCache, littleEndian));
                }
            }
        }
        results.Sort((a, b) => a.Insn.CompareTo(b.Insn));
        return results;
    }

    private readonly record struct Range(string Section, long SectionStart, int LinkedStart, int Length);

    private static List<Range> Ranges(BpfObject obj, BpfProgram program)
    {
        var ranges = new List<Range> { new(program.SectionName, (long)(program.SectionOffset / Instruction.Size), 0, program.OwnLength) };
        foreach (var sub in program.Subprograms)
        {
            // The placement names the function; same-named static functions may live in several sections: prefer the
            // one whose length matches the placement (size-less symbols run to the end of their section).
            var syms = obj.Elf.Symbols.Where(s => s.Type == Elf.ElfConstants.SttFunc && s.Name == sub.Name
                && s.SectionIndex > 0 && s.SectionIndex < obj.Elf.Sections.Count && obj.Elf.Sections[s.SectionIndex].IsExecutable).ToArray();
            var sym = syms.FirstOrDefault(s => s.Size == (ulong)sub.Length * Instruction.Size) ?? syms.FirstOrDefault();
            if (sym is null) continue;
            ranges.Add(new(obj.Elf.Sections[sym.SectionIndex].Name, (long)(sym.Value / Instruction.Size), sub.StartInsn, sub.Length));
        }
        return ranges;
    }

    /// <summary>Computes and applies one relocation record, placed at <paramref name="insn"/> of <paramref name="insns"/> (patched in place).</summary>
    public static CoreRelocation Relocate(BtfSpec localBtf, BtfCoreRelo relo, int insn, Instruction[] insns, KernelBtfSet kernel) =>
        One(localBtf, relo, insn, insns, kernel, new(), !kernel.Vmlinux.Endian.IsBig);

    private static CoreRelocation One(BtfSpec btf, BtfCoreRelo rec, int insn, Instruction[] insns, KernelBtfSet kernel,
        Dictionary<BtfTypeId, List<(BtfSpec Spec, BtfTypeId Id, string? Module)>> cache, bool littleEndian)
    {
        var kind = (CoreReloKind)rec.Kind;
        var localName = btf.Contains(rec.TypeId) && !rec.TypeId.IsVoid ? btf.GetType(rec.TypeId).Name : "";
        CoreRelocation Fail(string why) => new(insn, kind, localName, rec.AccessString, CoreRelocationStatus.Failed, null, why);
        if (rec.Kind > (uint)CoreReloKind.TypeMatches) return Fail($"unknown CO-RE relocation kind {rec.Kind}");
        CoreSpec local;
        try { local = CoreSpecParser.Parse(btf, rec.TypeId, rec.AccessString, kind); }
        catch (CoreRelocationException e) { return Fail(e.Message); }
        var path = CoreSpecFormatter.Describe(local);
        uint KernelId(CoreSpec s) => kernel.KernelIdOf(s.Btf, s.RootId);
        try
        {
            var orig = CoreRelocationCalc.Calc(kind, local, rec.TypeId, littleEndian);
            CoreSpec? chosen = null;
            CoreValue target;
            if (kind == CoreReloKind.TypeIdLocal)
                target = orig;
            else
            {
                if (localName.Length == 0) return Fail($"relocation against anonymous local type [{rec.TypeId}]") with { Path = path };
                if (!cache.TryGetValue(rec.TypeId, out var cands)) cache[rec.TypeId] = cands = Candidates(btf, rec.TypeId, kernel);
                CoreValue? agreed = null;
                foreach (var (spec, id, module) in cands)
                {
                    var matched = CoreSpecMatcher.Match(local, spec, id, module);
                    if (matched is null) continue;
                    var v = CoreRelocationCalc.Calc(kind, matched, rec.TypeId, littleEndian);
                    // The kernel's id, also where the kernel is a surface with CO-RE shapes (its own ids differ).
                    if (kind == CoreReloKind.TypeIdTarget) v = v with { Value = KernelId(matched) };
                    if (chosen is null) { chosen = matched; agreed = v; continue; }
                    if (CoreReloKinds.IsField(kind) && chosen.BitOffset != matched.BitOffset)
                        return Fail($"field offset ambiguity: {chosen.BitOffset / 8} != {matched.BitOffset / 8} (candidates [{KernelId(chosen)}] and [{KernelId(matched)}])") with { Path = path };
                    if (v.Poison != agreed!.Value.Poison || v.Value != agreed.Value.Value)
                        return Fail($"relocation decision ambiguity: {agreed.Value.Value} != {v.Value} (candidates [{KernelId(chosen)}] and [{KernelId(matched)}])") with { Path = path };
                }
                target = agreed ?? CoreRelocationCalc.Calc(kind, null, rec.TypeId, littleEndian);
            }

            var failMemSize = false;
            if (kind == CoreReloKind.FieldByteOffset && chosen is not null && orig.FieldSize != target.FieldSize)
            {
                var o = local.Btf.GetType(orig.FieldTypeId);
                var n = chosen.Btf.GetType(target.FieldTypeId);
                failMemSize = !((o is BtfPtr && n is BtfPtr) || (o is BtfInt oi && n is BtfInt ni && !oi.IsSigned && !ni.IsSigned));
            }
            var wide = insn >= 0 && insn + 1 < insns.Length && insns[insn].IsLdImm64;
            var error = CoreInsnPatcher.Patch(insns, insn, orig, target, failMemSize);
            var sizePoison = error is null && !target.Poison && failMemSize && insns[insn] == CoreInsnPatcher.PoisonCall;
            var poisoned = target.Poison || sizePoison;
            var result = new CoreRelocation(insn, kind, localName, rec.AccessString,
                error is not null ? CoreRelocationStatus.Failed : poisoned ? CoreRelocationStatus.Poisoned : CoreRelocationStatus.Patched,
                poisoned || error is not null ? null : target.Value,
                error ?? (sizePoison ? $"{path}: field size changes from {orig.FieldSize} to {target.FieldSize} bytes and it is neither a pointer nor an unsigned integer: the access is poisoned"
                    : target.Poison ? $"{path}: no matching target in kernel BTF"
                    : chosen is null && kind != CoreReloKind.TypeIdLocal ? $"{path}: not found, value 0" : $"{path} = {target.Value}"))
            {
                TargetTypeId = chosen is null ? null : new BtfTypeId(KernelId(chosen)),
                Module = chosen?.Module,
                Patched = error is null && insn >= 0 && insn < insns.Length ? insns[insn] : null,
                PatchedHigh = error is null && wide ? insns[insn + 1] : null,
                Path = path,
            };
            return result;
        }
        catch (CoreRelocationException e) { return Fail(e.Message) with { Path = path }; }
    }

    /// <summary>Same-kind (or both enum) types named like the local type's essential name: vmlinux first, modules only when vmlinux has none.</summary>
    private static List<(BtfSpec, BtfTypeId, string?)> Candidates(BtfSpec btf, BtfTypeId localId, KernelBtfSet kernel)
    {
        var localType = btf.GetType(localId);
        var name = BtfWalk.EssentialName(localType.Name);
        var list = new List<(BtfSpec, BtfTypeId, string?)>();
        void Add(BtfSpec spec, string? module)
        {
            foreach (var id in spec.FindByName(name))
            {
                var k = spec.KindOf(id);
                if (k == localType.Kind || (k is BtfKind.Enum or BtfKind.Enum64 && localType is BtfEnum)) list.Add((spec, id, module));
            }
        }
        Add(kernel.Vmlinux, null);
        if (list.Count > 0) return list;
        foreach (var m in kernel.Modules) Add(m.Spec, m.Name);
        return list;
    }
}
