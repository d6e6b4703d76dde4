using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

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
