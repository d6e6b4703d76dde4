using System.Text.Json.Serialization;

namespace CompatService.Contracts;

// `compat inspect --format json`: what each program needs. Extend, never rename.

public sealed record ObjectSummary(
    [property: JsonPropertyName("license")] string? License,
    [property: JsonPropertyName("gplCompatible")] bool GplCompatible,
    [property: JsonPropertyName("hasBtf")] bool HasBtf,
    [property: JsonPropertyName("programs")] IReadOnlyList<ProgramSummary> Programs,
    [property: JsonPropertyName("maps")] IReadOnlyList<string> Maps,
    [property: JsonPropertyName("openErrors")] IReadOnlyList<string> OpenErrors);

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
    [property: JsonPropertyName("helpers")] IReadOnlyList<string> Helpers);

public sealed record KsymUse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("weak")] bool Weak,
    [property: JsonPropertyName("typed")] bool Typed,
    [property: JsonPropertyName("insns")] IReadOnlyList<int> Insns);
