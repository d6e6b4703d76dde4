using System.ComponentModel.DataAnnotations;
using System.ComponentModel.DataAnnotations.Schema;

namespace CompatService.Data.Entities;

/// <summary>The bootable image a kernel was uploaded as (bzImage/vmlinuz or a Debian package): what the lab boots.</summary>
public sealed class KernelImageEntity : IOnePerKernel
{
    public long KernelId { get; set; }
    /// <summary>bzimage or deb.</summary>
    [MaxLength(16)]
    public required string Form { get; set; }
    [MaxLength(512)]
    public string? FileName { get; set; }
    /// <summary>sha256 of <see cref="Data"/>.</summary>
    [Sha256Hex]
    public required string Sha256 { get; set; }
    public long Size { get; set; }
    public required byte[] Data { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public static class LabRunStates
{
    public const string Queued = "queued", Running = "running", Done = "done", Failed = "failed", Refused = "refused";
}

/// <summary>
/// One lab run: boot a stored kernel's image under QEMU and load the selected objects' programs there. Taken by a lab
/// worker (Compat:Lab:Enabled) with FOR UPDATE SKIP LOCKED; its outcomes are observed_outcomes with source "lab".
/// </summary>
public sealed class LabRunEntity
{
    public long Id { get; set; }
    public long KernelId { get; set; }
    [MaxLength(16)]
    public string State { get; set; } = LabRunStates.Queued;
    /// <summary>jsonb array of object sha256s; null = every stored object.</summary>
    [Column("objects_json")]
    public string? ObjectsJson { get; set; }
    [MaxLength(8)]
    public string? Accel { get; set; }
    public string? Error { get; set; }
    public int Programs { get; set; }
    public int Cells { get; set; }
    public int Agreed { get; set; }
    public int Unknown { get; set; }
    public int NotObserved { get; set; }
    /// <summary>jsonb object "class code" → count (false-loads / false-fails / unknown).</summary>
    [Column("disagreements_json")]
    public string DisagreementsJson { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

/// <summary>What an agent saw when it loaded a program on a host, kept beside the prediction.</summary>
public sealed class ObservedOutcomeEntity
{
    public long Id { get; set; }
    [MaxLength(256)]
    public required string Host { get; set; }
    public long? KernelId { get; set; }
    [MaxLength(64)]
    public required string KernelBtfSha256 { get; set; }
    public string? KernelRelease { get; set; }
    [MaxLength(64)]
    public required string ObjectSha256 { get; set; }
    public string? ObjectName { get; set; }
    [MaxLength(512)]
    public required string Program { get; set; }
    /// <summary>The agent's prediction (loads / fails / unknown).</summary>
    [MaxLength(16)]
    public required string Predicted { get; set; }
    public bool Loaded { get; set; }
    public int? Errno { get; set; }
    public string? VerifierTail { get; set; }
    public DateTimeOffset ObservedAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>Who observed it: "agent" (a host's compat-agent) or "lab" (a lab run under QEMU).</summary>
    [MaxLength(16)]
    public string Source { get; set; } = ObservedSources.Agent;
    /// <summary>The lab run that observed it (source "lab").</summary>
    public long? LabRunId { get; set; }
}

public static class ObservedSources
{
    public const string Agent = "agent", Lab = "lab";
}
