using System.Text.Json.Serialization;

namespace CompatService.Contracts;

// The matrix as `compat check --format json` prints it and `GET /api/matrix?format=json` serves it.
// Field names are a contract (CI scripts read them): extend, never rename.

public sealed record MatrixReport(
    IReadOnlyList<MatrixKernel> Kernels,
    IReadOnlyList<MatrixObject> Objects)
{
    /// <summary>
    /// Per program and stream, the oldest kernel it loads from and why not before (`compat check --minimum-kernel`).
    /// Only when asked for: left out of the JSON when null, so every existing output stays byte-identical.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ProgramMinimumKernels>? MinimumKernels { get; init; }
}

public sealed record MatrixKernel(
    string Id,
    string? Release,
    string BtfSha256);

public sealed record MatrixObject(
    string Path,
    string Sha256,
    IReadOnlyList<MatrixProgram> Programs);

public sealed record MatrixProgram(
    string Name,
    string Section,
    string Type,
    IReadOnlyList<KfuncUse> Kfuncs,
    IReadOnlyList<ProgramResult> Results);

/// <summary>A kfunc a program references: call sites and bpf_ksym_exists-style address loads (insn indices).</summary>
public sealed record KfuncUse(
    string Name,
    bool Weak,
    IReadOnlyList<int> CallSites,
    IReadOnlyList<int> ExistenceChecks);
