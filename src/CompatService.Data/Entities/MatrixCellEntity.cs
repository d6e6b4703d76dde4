using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

/// <summary>
/// The engine's verdicts for every program of one object on one kernel, computed by one engine version.
/// Unique by (object sha256, kernel sha256, engine version): computing twice is idempotent.
/// </summary>
public sealed class MatrixCellEntity
{
    public long Id { get; set; }
    public long ObjectId { get; set; }
    public long KernelId { get; set; }
    [Sha256Hex]
    public required string ObjectSha256 { get; set; }
    [Sha256Hex]
    public required string KernelSha256 { get; set; }
    [MaxLength(32)]
    public required string EngineVersion { get; set; }
    /// <summary>Worst verdict over the programs: fails &gt; unknown &gt; loads ("loads" when there are none).</summary>
    [MaxLength(16)]
    public required string Verdict { get; set; }
    /// <summary>jsonb array of {name, result: ProgramResult} (reasons, kfunc resolutions, disabled paths).</summary>
    public required string ResultsJson { get; set; }
    /// <summary>jsonb array of reason codes over all programs (for filtering).</summary>
    public string ReasonCodesJson { get; set; } = "[]";
    public int DisabledPathCount { get; set; }
    public DateTimeOffset ComputedAt { get; set; }
}
