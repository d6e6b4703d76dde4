using CompatService.Engine.Asm;

namespace CompatService.Engine.Object;

/// <summary>What a relocated instruction refers to.</summary>
public enum InsnReferenceKind
{
    /// <summary>An extern (kfunc, ksym or kconfig): see <see cref="InsnReference.Extern"/>.</summary>
    Extern,
    /// <summary>ld_imm64 of a map (BTF-defined or legacy).</summary>
    Map,
    /// <summary>ld_imm64 into a global-data section (.data/.rodata/.bss, ...) at <see cref="InsnReference.Offset"/>.</summary>
    GlobalData,
    /// <summary>bpf-to-bpf call (already linked: the call's imm points at the callee in <see cref="BpfProgram.Instructions"/>).</summary>
    SubprogramCall,
    /// <summary>ld_imm64 of a sub-program's address (callbacks): already linked like a call.</summary>
    SubprogramAddress,
}

/// <summary>A relocation resolved to what it means, placed at an instruction index of the linked program.</summary>
public sealed record InsnReference(int Insn, InsnReferenceKind Kind, string Symbol, BpfExtern? Extern = null, BpfMap? Map = null, long Offset = 0);

/// <summary>A sub-program appended after the entry program, as libbpf lays programs out.</summary>
public sealed record SubprogramPlacement(string Name, int StartInsn, int Length);

/// <summary>
/// An entry program: its own instructions followed by every sub-program it (transitively) calls, with calls
/// linked, plus the list of instructions that reference maps, global data and externs.
/// </summary>
public sealed class BpfProgram
{
    public required string Name { get; init; }
    public required string SectionName { get; init; }
    public required int SectionIndex { get; init; }
    public required ulong SectionOffset { get; init; }
    public required ProgramSectionInfo SectionInfo { get; init; }
    /// <summary>Instructions of the entry program alone (before sub-programs are appended).</summary>
    public required int OwnLength { get; init; }
    public required IReadOnlyList<Instruction> Instructions { get; init; }
    public required IReadOnlyList<InsnReference> References { get; init; }
    public required IReadOnlyList<SubprogramPlacement> Subprograms { get; init; }
    public string Type => SectionInfo.ProgramType;
    public override string ToString() => $"{Name} ({SectionName})";
}
