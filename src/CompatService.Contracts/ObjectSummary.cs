using System.Text.Json.Serialization;

namespace CompatService.Contracts;

// `compat inspect --format json`: what each program needs. Extend, never rename.

public sealed record ObjectSummary(
    [property: JsonPropertyName("license")] string? License,
    [property: JsonPropertyName("gplCompatible")] bool GplCompatible,
    [property: JsonPropertyName("hasBtf")] bool HasBtf,
    [property: JsonPropertyName("programs")] IReadOnlyList<ProgramSummary> Programs,
    [property: JsonPropertyName("maps")] IReadOnlyList<string> Maps,
    [property: JsonPropertyName("openErrors")] IReadOnlyList<string> OpenErrors)
{
    /// <summary>Every map libbpf creates for the object (it creates all of them before loading any program).</summary>
    [JsonPropertyName("mapTypes")]
    public IReadOnlyList<MapRequirement> MapTypes { get; init; } = [];
}

public sealed record ProgramSummary(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("section")] string Section,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("attachType")] string? AttachType,
    [property: JsonPropertyName("attachTarget")] string? AttachTarget,
    [property: JsonPropertyName("autoLoad")] bool AutoLoad,
    [property: JsonPropertyName("insns")] int Insns,
    [property: JsonPropertyName("kfuncs")] IReadOnlyList<KfuncUse> Kfuncs,
    [property: JsonPropertyName("ksyms")] IReadOnlyList<KsymUse> Ksyms,
    [property: JsonPropertyName("kconfig")] IReadOnlyList<string> Kconfig,
    [property: JsonPropertyName("helpers")] IReadOnlyList<string> Helpers)
{
    /// <summary>What the program needs from a kernel (`compat inspect`, GET /api/objects/{id}/requirements); absent elsewhere.</summary>
    [JsonPropertyName("requirements")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProgramRequirements? Requirements { get; init; }
}

public sealed record KsymUse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("weak")] bool Weak,
    [property: JsonPropertyName("typed")] bool Typed,
    [property: JsonPropertyName("insns")] IReadOnlyList<int> Insns);

/// <summary>
/// What one program needs from a kernel: program / attach type (engine name and the kernel enum's spelling), helpers
/// (name + enum bpf_func_id value), the maps it references, kfuncs and ksyms (weak, typed, guarded by a NULL test of
/// their address), and its instruction set (clang -mcpu level, features with the upstream release accepting them).
/// </summary>
public sealed record ProgramRequirements(
    [property: JsonPropertyName("programType")] string ProgramType,
    [property: JsonPropertyName("programTypeEnum")] string ProgramTypeEnum,
    [property: JsonPropertyName("attachType")] string? AttachType,
    [property: JsonPropertyName("attachTypeEnum")] string? AttachTypeEnum,
    [property: JsonPropertyName("helpers")] IReadOnlyList<HelperRequirement> Helpers,
    [property: JsonPropertyName("maps")] IReadOnlyList<MapRequirement> Maps,
    [property: JsonPropertyName("kfuncs")] IReadOnlyList<ExternRequirement> Kfuncs,
    [property: JsonPropertyName("ksyms")] IReadOnlyList<ExternRequirement> Ksyms,
    [property: JsonPropertyName("isa")] IsaRequirement Isa);

public sealed record HelperRequirement(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("id")] int Id,
    [property: JsonPropertyName("callSites")] IReadOnlyList<int> CallSites);

public sealed record MapRequirement(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("typeId")] uint TypeId);

public sealed record ExternRequirement(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("weak")] bool Weak,
    [property: JsonPropertyName("typed")] bool Typed,
    [property: JsonPropertyName("guarded")] bool Guarded);

/// <summary>The clang -mcpu level ("v1" … "v4") and each instruction-set feature beyond the classic set.</summary>
public sealed record IsaRequirement(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("features")] IReadOnlyList<IsaFeature> Features);

/// <summary>A feature, the upstream release whose verifier first accepts it ("5.1"), and its first instruction.</summary>
public sealed record IsaFeature(
    [property: JsonPropertyName("what")] string What,
    [property: JsonPropertyName("since")] string Since,
    [property: JsonPropertyName("firstInsn")] int FirstInsn);
