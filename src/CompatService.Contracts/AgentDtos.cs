namespace CompatService.Contracts;

/// <summary>`GET /api/agent/verdicts` answer. Unknown kernel → 404 ProblemDetails (title "unknown kernel").</summary>
public sealed record AgentVerdictsResponse(AgentKernelRef Kernel, IReadOnlyList<AgentObjectVerdicts> Objects);

public sealed record AgentKernelRef(long Id, string BtfSha256, string? Release);

/// <summary><see cref="Known"/> false: the service has not seen the object (upload it, then ask again).</summary>
public sealed record AgentObjectVerdicts(string Sha256, bool Known, IReadOnlyList<ProgramResultWithName> Programs);

public sealed record ProgramResultWithName(string Name, ProgramResult Result);

/// <summary>`POST /api/agent/reports` body: what really happened on a host.</summary>
public sealed record AgentReport(string Host, string KernelBtfSha256, string? KernelRelease, IReadOnlyList<ObservedOutcome> Outcomes);

public sealed record ObservedOutcome(
    string ObjectSha256, string? ObjectName, string Program, Verdict Predicted, bool Loaded, int? Errno,
    string? VerifierTail, DateTimeOffset ObservedAt);

/// <summary>An observed outcome as the service stores and lists it, beside the prediction.</summary>
public sealed record ObservedOutcomeDto(
    long Id, string Host, long? KernelId, string KernelBtfSha256, string? KernelRelease, string ObjectSha256, string? ObjectName,
    string Program, Verdict Predicted, Verdict? ServicePrediction, bool Loaded, int? Errno, string? VerifierTail,
    DateTimeOffset ObservedAt, bool Disagrees, string Source = "agent", long? LabRunId = null);
