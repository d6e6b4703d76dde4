namespace CompatService.Engine.Analysis;

/// <summary>What an object's programs need (`compat inspect`): license, programs, maps, and why parts could not be read.</summary>
public sealed record ObjectSummary(
    string? License, bool GplCompatible, bool HasBtf, IReadOnlyList<ProgramSummary> Programs, IReadOnlyList<string> Maps,
    IReadOnlyList<string> OpenErrors)
{
    /// <summary>Every map libbpf creates for the object (name and type); every program needs them all.</summary>
    public IReadOnlyList<MapRequirement> MapTypes { get; init; } = [];
}

/// <summary>One program's needs: its type and attach point, kfuncs, ksyms, kconfig options and helpers.</summary>
public sealed record ProgramSummary(
    string Name, string Section, string Type, string? AttachType, string? AttachTarget, bool AutoLoad, int Insns,
    IReadOnlyList<KfuncUse> Kfuncs, IReadOnlyList<KsymUse> Ksyms, IReadOnlyList<string> Kconfig, IReadOnlyList<string> Helpers)
{
    /// <summary>What the program needs from a kernel (`compat inspect`); null where only the summary was asked for.</summary>
    public ProgramRequirements? Requirements { get; init; }
}

/// <summary>A ksym a program references (insn indices of its loads).</summary>
public sealed record KsymUse(string Name, bool Weak, bool Typed, IReadOnlyList<int> Insns);

/// <summary>A kfunc a program references: call sites and bpf_ksym_exists-style address loads (insn indices).</summary>
public sealed record KfuncUse(string Name, bool Weak, IReadOnlyList<int> CallSites, IReadOnlyList<int> ExistenceChecks);
