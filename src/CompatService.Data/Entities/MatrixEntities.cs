using System.ComponentModel.DataAnnotations;
using System.ComponentModel.DataAnnotations.Schema;

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

/// <summary>
/// The matrix queue by kernel: a row says "this kernel may lack cells". A worker leases the row (FOR UPDATE SKIP
/// LOCKED, then <see cref="LockedUntil"/>), computes every object lacking a cell on that kernel in one batch, and
/// deletes the row when <see cref="Generation"/> is still what it leased (a new object meanwhile bumps it, so the row
/// stays and the next lease picks the object up). A killed worker's lease expires and another worker takes the row.
/// </summary>
public sealed class MatrixWorkEntity
{
    public long KernelId { get; set; }
    /// <summary>Bumped by every request for this kernel (new object, new kernel, module or config added).</summary>
    public long Generation { get; set; }
    public DateTimeOffset RequestedAt { get; set; }
    /// <summary>Null or past: free. Future: leased by <see cref="LockedBy"/>.</summary>
    public DateTimeOffset? LockedUntil { get; set; }
    /// <summary>"host:pid:worker" of the lease holder (diagnostics and the replica test).</summary>
    [MaxLength(128)]
    public string? LockedBy { get; set; }
    /// <summary>Leases taken since the last success; a row at JobMaxAttempts is left alone (see LastError).</summary>
    public int Attempts { get; set; }
    public string? LastError { get; set; }
}

public static class JobKinds
{
    /// <summary>Compute the cells of one object against every kernel. Payload: object id.</summary>
    public const string Object = "object";
    /// <summary>Compute the cells of one kernel against every object. Payload: kernel id.</summary>
    public const string Kernel = "kernel";
}

public static class JobStates
{
    public const string Queued = "queued", Running = "running", Done = "done", Failed = "failed";
}

/// <summary>A unit of background work, taken with FOR UPDATE SKIP LOCKED so several replicas share the queue.</summary>
public sealed class JobEntity
{
    public long Id { get; set; }
    [MaxLength(32)]
    public required string Kind { get; set; }
    /// <summary>jsonb payload.</summary>
    [Column(TypeName = "jsonb")]
    public required string Payload { get; set; }
    [MaxLength(16)]
    public string State { get; set; } = JobStates.Queued;
    public int Attempts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}
