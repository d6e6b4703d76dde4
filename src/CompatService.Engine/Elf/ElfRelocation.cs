namespace CompatService.Engine.Elf;

/// <summary>One REL/RELA entry: <see cref="Offset"/> is relative to the target section.</summary>
public readonly record struct ElfRelocation(ulong Offset, int SymbolIndex, uint Type, long Addend);

/// <summary>A relocation section and the section it applies to.</summary>
public sealed record ElfRelocationSection(ElfSection Section, int TargetSectionIndex, IReadOnlyList<ElfRelocation> Entries);
