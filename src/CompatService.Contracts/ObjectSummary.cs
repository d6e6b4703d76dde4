using System.Text.Json.Serialization;

namespace CompatService.Contracts;

// `compat inspect --format json`: what each program needs. Extend, never rename.

public sealed record ObjectSummary(
    string? License,
    bool GplCompatible,
    bool HasBtf,
    IReadOnlyList<ProgramSummary> Programs,
    IReadOnlyList<string> Maps,
    IReadOnlyList<string> OpenErrors)
{
    /// <summary>Every map libbpf creates for the object (it creates all of them before loading any program).</summary>
    public IReadOnlyList<MapRequirement> MapTypes { get; init; } = [];
}

public sealed record ProgramSummary(
    string Name,
    string Section,
    string Type,
    string? AttachType,
    string? AttachTarget,
    bool AutoLoad,
    int Insns,
    IReadOnlyList<KfuncUse> Kfuncs,
    IReadOnlyList<KsymUse> Ksyms,
    IReadOnlyList<string> Kconfig,
    IReadOnlyList<string> Helpers)
{
    /// <summary>What the program needs from a kernel (`compat inspect`, GET /api/objects/{id}/requirements); absent elsewhere.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProgramRequirements? Requirements { get; init; }
}

public sealed record KsymUse(
    string Name,
    bool Weak,
    bool Typed,
    IReadOnlyList<int> Insns);

/// <summary>
/// What one program needs from a kernel: program / attach type (engine name and the kernel enum's spelling), helpers
/// (name + enum bpf_func_id value), the maps it references, kfuncs and ksyms (weak, typed, guarded by a NULL test of
/// their address), and its instruction set (clang -mcpu level, features with the upstream release accepting them).
/// </summary>
public sealed record ProgramRequirements(
    string ProgramType,
    string ProgramTypeEnum,
    string? AttachType,
    string? AttachTypeEnum,
    IReadOnlyList<HelperRequirement> Helpers,
    IReadOnlyList<MapRequirement> Maps,
    IReadOnlyList<ExternRequirement> Kfuncs,
    IReadOnlyList<ExternRequirement> Ksyms,
    IsaRequirement Isa);

public sealed record HelperRequirement(
    string Name,
    int Id,
    IReadOnlyList<int> CallSites);

public sealed record MapRequirement(
    string Name,
    string Type,
    uint TypeId);

public sealed record ExternRequirement(
    string Name,
    bool Weak,
    bool Typed,
    bool Guarded);

/// <summary>The clang -mcpu level ("v1" … "v4") and each instruction-set feature beyond the classic set.</summary>
public sealed record IsaRequirement(
    string Cpu,
    IReadOnlyList<IsaFeature> Features);

/// <summary>A feature, the upstream release whose verifier first accepts it ("5.1"), and its first instruction.</summary>
public sealed record IsaFeature(
    string What,
    string Since,
    int FirstInsn);
