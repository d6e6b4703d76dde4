namespace CompatService.Contracts;

/// <summary>POST /api/kernels/{id}/lab body: the objects (sha256) to load; null or empty = every stored object.</summary>
public sealed record LabRunRequest(IReadOnlyList<string>? Objects);

/// <summary>A lab run: state (queued, running, done, failed, refused) and, when done, its agreement.</summary>
public sealed record LabRunDto(
    long Id, long KernelId, string State, IReadOnlyList<string>? Objects, string? Accel, string? Error,
    int Programs, int Cells, int Agreed, int Unknown, int NotObserved, IReadOnlyDictionary<string, int> Disagreements,
    DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

/// <summary>GET /api/lab/agreement row: the latest finished lab run of one kernel.</summary>
public sealed record LabAgreementDto(
    long KernelId, string? Release, string? Arch, long RunId, int Cells, int Agreed, int Unknown, int NotObserved,
    IReadOnlyDictionary<string, int> Disagreements, DateTimeOffset? FinishedAt);
