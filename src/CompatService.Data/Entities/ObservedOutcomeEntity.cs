using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

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
