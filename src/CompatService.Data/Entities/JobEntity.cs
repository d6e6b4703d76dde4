using System.ComponentModel.DataAnnotations;
using System.ComponentModel.DataAnnotations.Schema;

namespace CompatService.Data.Entities;

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
