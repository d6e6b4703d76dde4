using System.Text.Json.Serialization;

namespace CompatService.Contracts;

// The matrix as `compat check --format json` prints it and `GET /api/matrix?format=json` serves it.
// Field names are a contract (CI scripts read them): extend, never rename.

public sealed record MatrixReport(
    [property: JsonPropertyName("kernels")] IReadOnlyList<MatrixKernel> Kernels,
    [property: JsonPropertyName("objects")] IReadOnlyList<MatrixObject> Objects)
{
    /// <summary>
    /// Per program and stream, the oldest kernel it loads from and why not before (`compat check --minimum-kernel`).
    /// Only when asked for: left out of the JSON when null, so every existing output stays byte-identical.
    /// </summary>
    [JsonPropertyName("minimumKernels")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ProgramMinimumKernels>? MinimumKernels { get; init; }
}

public sealed record MatrixKernel(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("release")] string? Release,
    [property: JsonPropertyName("btfSha256")] string BtfSha256);

public sealed record MatrixObject(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("programs")] IReadOnlyList<MatrixProgram> Programs);

public sealed record MatrixProgram(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("section")] string Section,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("kfuncs")] IReadOnlyList<KfuncUse> Kfuncs,
    [property: JsonPropertyName("results")] IReadOnlyList<ProgramResult> Results);

/// <summary>A kfunc a program references: call sites and bpf_ksym_exists-style address loads (insn indices).</summary>
public sealed record KfuncUse(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("weak")] bool Weak,
    [property: JsonPropertyName("callSites")] IReadOnlyList<int> CallSites,
    [property: JsonPropertyName("existenceChecks")] IReadOnlyList<int> ExistenceChecks);
