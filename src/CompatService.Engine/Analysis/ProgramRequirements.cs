using CompatService.Engine.Analysis.Rules;
using CompatService.Engine.Asm;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis;

/// <summary>
/// What one program needs from a kernel, read from the object alone (no kernel): its program and attach type (as the
/// kernel's enums spell them), the helpers it calls, the maps it references, the kfuncs and ksyms it
/// references (weak or strong, guarded by a null test of their address or not), and the instruction set it uses.
/// </summary>
public sealed record ProgramRequirements(
    string ProgramType, string ProgramTypeEnum, string? AttachType, string? AttachTypeEnum,
    IReadOnlyList<HelperRequirement> Helpers, IReadOnlyList<MapRequirement> Maps,
    IReadOnlyList<ExternRequirement> Kfuncs, IReadOnlyList<ExternRequirement> Ksyms, IsaRequirement Isa);

/// <summary>A helper the program calls: its name, enum bpf_func_id value and call sites (insn indices).</summary>
public sealed record HelperRequirement(string Name, int Id, IReadOnlyList<int> CallSites);

/// <summary>
/// A map the kernel must create: name and type (libbpf's name and the UAPI id). Per program, the maps it references;
/// per object (<see cref="RequirementExtractor.ObjectMaps"/>), every map, since libbpf creates all of them before
/// loading any program. Global-data and .kconfig maps are arrays and left out.
/// </summary>
public sealed record MapRequirement(string Name, string Type, uint TypeId);

/// <summary>
/// A kfunc or ksym: weak or strong, typed or typeless (ksyms), and guarded — the program tests its address against
/// NULL (<c>bpf_ksym_exists</c>, <c>if (&amp;sym)</c>) — so a kernel without it can still run the rest.
/// </summary>
public sealed record ExternRequirement(string Name, bool Weak, bool Typed, bool Guarded);

/// <summary>
/// The instruction set: the clang <c>-mcpu</c> level the instructions need (1–4: v2 adds jlt/jle/jslt/jsle, v3 jmp32
/// and atomics other than plain add, v4 sdiv/smod/movsx/ldsx/bswap/gotol) and each feature beyond the classic set
/// with the upstream release whose verifier first accepts it.
/// </summary>
public sealed record IsaRequirement(int Cpu, IReadOnlyList<IsaFeature> Features);

/// <summary>An instruction-set feature, the first instruction using it, and the upstream Linux release that accepts it.</summary>
public sealed record IsaFeature(string What, Version Since, int FirstInsn);

/// <summary>Reads <see cref="ProgramRequirements"/> from a program of an object (pure, no kernel).</summary>
public static class RequirementExtractor
{
    private static readonly Version CpuV2Since = new(4, 14);

    /// <summary>Every atomic other than plain add, as one feature (the verifier learnt them together in 5.12).</summary>
    public const string AtomicsFeature = "atomics with fetch / and / or / xor / xchg / cmpxchg (cpu v3)";

    public static ProgramRequirements Of(BpfProgram p)
    {
        var attach = p.SectionInfo.AttachType;
        return new ProgramRequirements(p.Type, KernelEnums.ProgramTypeName(p.Type), attach,
            attach is null ? null : KernelEnums.AttachTypeName(attach),
            Helpers(p), Maps(p), Externs(p, kfuncs: true), Externs(p, kfuncs: false), Isa(p.Instructions));
    }

    private static HelperRequirement[] Helpers(BpfProgram p)
    {
        HashSet<int>? externInsns = null;
        foreach (var r in p.References)
            if (r.Kind == InsnReferenceKind.Extern) (externInsns ??= new()).Add(r.Insn);
        var calls = new SortedDictionary<int, List<int>>();
        for (var i = 0; i < p.Instructions.Count; i++)
        {
            var insn = p.Instructions[i];
            if (insn.IsLdImm64) { i++; continue; }
            if (!insn.IsHelperCall || externInsns?.Contains(i) == true) continue;
            if (!calls.TryGetValue(insn.Imm, out var sites)) calls[insn.Imm] = sites = new List<int>();
            sites.Add(i);
        }
        return calls.Select(c => new HelperRequirement(ObjectInspector.HelperName(c.Key), c.Key, c.Value)).ToArray();
    }

    /// <summary>Every map libbpf creates for the object (BTF-defined and legacy, with their inner maps), in object order.</summary>
    public static IReadOnlyList<MapRequirement> ObjectMaps(BpfObject obj) => Created(obj.Maps);

    private static IReadOnlyList<MapRequirement> Maps(BpfProgram p)
    {
        if (p.References.Count == 0) return [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return Created(p.References.Where(r => r.Kind == InsnReferenceKind.Map && r.Map is not null && seen.Add(r.Map.Name)).Select(r => r.Map!));
    }

    private static MapRequirement[] Created(IEnumerable<BpfMap> maps)
    {
        var list = new List<MapRequirement>();
        foreach (var m in maps)
        {
            if (m.Origin is not (MapOrigin.BtfDefined or MapOrigin.Legacy)) continue;
            list.Add(Map(m));
            if (m.Inner is { } inner) list.Add(Map(inner));
        }
        return list.ToArray();
    }

    private static MapRequirement Map(BpfMap m) => new(m.Name, MapTypeNames.Name(m.Definition.Type) ?? $"map type {m.Definition.Type}", m.Definition.Type);

    private static ExternRequirement[] Externs(BpfProgram p, bool kfuncs) =>
        p.References.Where(r => r.Kind == InsnReferenceKind.Extern && r.Extern is { } e
                                && (kfuncs ? e.Kind == ExternKind.Kfunc : e.Kind is ExternKind.TypedKsym or ExternKind.TypelessKsym))
            .GroupBy(r => r.Extern!)
            .OrderBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new ExternRequirement(g.Key.Name, g.Key.IsWeak, g.Key.Kind != ExternKind.TypelessKsym,
                g.Any(r => p.Instructions[r.Insn].IsLdImm64 && IsNullTested(p.Instructions, r.Insn))))
            .ToArray();

    /// <summary>
    /// Whether the address an ld_imm64 at <paramref name="at"/> loads is compared with 0 before the straight-line code
    /// after it overwrites it (followed through register moves; a call, jump or exit ends the search).
    /// </summary>
    public static bool IsNullTested(IReadOnlyList<Instruction> insns, int at)
    {
        var holders = new HashSet<int> { insns[at].Dst };
        for (var i = at + 2; i < insns.Count && i < at + 2 + 32 && holders.Count > 0; i++)
        {
            var insn = insns[i];
            if (insn.IsConditionalJump)
                return insn.IsSourceImm && insn.Imm == 0 && holders.Contains(insn.Dst) && insn.Op is Opcodes.JmpJeq or Opcodes.JmpJne;
            if (insn.IsCall || insn.IsExit || insn.IsUnconditionalJump) return false;
            if (insn.IsLdImm64) { holders.Remove(insn.Dst); i++; continue; }
            if (insn.IsRegisterMove && insn.IsAlu64)
            {
                if (holders.Contains(insn.Src)) holders.Add(insn.Dst); else holders.Remove(insn.Dst);
                continue;
            }
            if (insn.IsAluAny || insn.IsLoad) holders.Remove(insn.Dst);
        }
        return false;
    }

    /// <summary>The clang -mcpu level and the features beyond the classic instruction set, in first-use order.</summary>
    public static IsaRequirement Isa(IReadOnlyList<Instruction> insns)
    {
        var cpu = 1;
        var features = new Dictionary<string, IsaFeature>(StringComparer.Ordinal);
        for (var i = 0; i < insns.Count; i++)
        {
            var insn = insns[i];
            if (insn.IsLdImm64) { i++; continue; }
            if (insn.Class == Opcodes.ClassJmp && insn.IsConditionalJump && insn.Op is Opcodes.JmpJlt or Opcodes.JmpJle or Opcodes.JmpJslt or Opcodes.JmpJsle)
            {
                cpu = Math.Max(cpu, 2);
                features.TryAdd("jlt / jle / jslt / jsle (cpu v2)", new IsaFeature("jlt / jle / jslt / jsle (cpu v2)", CpuV2Since, i));
            }
            if (IsaRule.Requirement(insn) is not { } req) continue;
            // jmp32 and the atomics need clang -mcpu=v3; everything newer (cpu v4, may_goto, arena casts, acquire/release) v4
            var atomic = req.What.StartsWith("atomic op", StringComparison.Ordinal);
            cpu = Math.Max(cpu, atomic || req.What.Contains("cpu v3", StringComparison.Ordinal) ? 3 : 4);
            var what = atomic ? AtomicsFeature : req.What;
            features.TryAdd(what, new IsaFeature(what, req.Since, i));
        }
        return new IsaRequirement(cpu, features.Values.OrderBy(f => f.FirstInsn).ToArray());
    }
}
