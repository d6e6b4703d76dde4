namespace CompatService.Api.Lab;

/// <summary>
/// POST /api/kernels/{id}/lab queues a lab run (202); GET lists a kernel's runs; GET /api/lab/agreement gives, per
/// kernel, its latest finished run's agreement. Runs are executed by lab workers (Compat:Lab:Enabled).
/// </summary>
public static class LabApi
{
    public static IEndpointRouteBuilder MapLabApi(this IEndpointRouteBuilder app)
    {
        var (reads, writes) = app.KeyedGroups("Lab");
        writes.MapPost(ApiRoutes.KernelLab, QueueAsync).WithName("QueueLabRun").ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        reads.MapGet(ApiRoutes.KernelLab, RunsAsync).WithName("ListLabRuns");
        reads.MapGet(ApiRoutes.LabAgreement, AgreementAsync).WithName("LabAgreement");
        return app;
    }

    private static async Task<Results<Accepted<LabRunDto>, ProblemHttpResult>> QueueAsync(
        KernelCatalog kernels, ObjectCatalog objects, LabRuns runs, LabSignal signal, long id, LabRunRequest? request, CancellationToken ct)
    {
        if (!await kernels.ExistsAsync(id, ct)) return Endpoints.KernelsApi.UnknownKernel(id);
        if (!await kernels.HasImageAsync(id, ct))
            return Problem(409, "no kernel image",
                $"kernel {id} has no bootable image stored: upload it as a bzImage/vmlinuz, an arm64 Image(.gz) or a Debian linux-image package to run the lab");
        var wanted = (request?.Objects ?? []).Select(s => (s ?? "").Trim().ToLowerInvariant()).Distinct().ToList();
        if (wanted.Count > 0)
        {
            var known = (await objects.FindByShasAsync(wanted, ct)).Select(o => o.Sha256).ToList();
            if (wanted.Except(known).ToList() is { Count: > 0 } missing)
                return Problem(422, "unknown objects", $"no stored object with sha256 {string.Join(", ", missing)}");
        }
        var run = await runs.QueueAsync(id, wanted, ct);
        signal.Notify();
        return TypedResults.Accepted(ApiRoutes.KernelLab.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), ToDto(run));
    }

    private static async Task<Results<Ok<List<LabRunDto>>, ProblemHttpResult>> RunsAsync(KernelCatalog kernels, LabRuns runs, long id, CancellationToken ct)
    {
        if (!await kernels.ExistsAsync(id, ct)) return Endpoints.KernelsApi.UnknownKernel(id);
        return TypedResults.Ok((await runs.OfKernelAsync(id, ct)).Select(ToDto).ToList());
    }

    private static async Task<Ok<List<LabAgreementDto>>> AgreementAsync(LabRuns runs, CancellationToken ct) =>
        TypedResults.Ok(await runs.LatestAgreementAsync(ct));

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    public static LabRunDto ToDto(LabRunEntity r) => new(r.Id, r.KernelId, r.State,
        r.ObjectsJson is null ? null : JsonSerializer.Deserialize<List<string>>(r.ObjectsJson), r.Accel, r.Error, r.Programs, r.Cells,
        r.Agreed, r.Unknown, r.NotObserved, Counts(r.DisagreementsJson), r.CreatedAt, r.StartedAt, r.FinishedAt);

    internal static Dictionary<string, int> Counts(string json) => JsonSerializer.Deserialize<Dictionary<string, int>>(json) ?? [];
}

/// <summary>Wakes this process's lab workers when a run was queued here.</summary>
public sealed class LabSignal
{
    private readonly SemaphoreSlim _signal = new(0, int.MaxValue);
    public void Notify() => _signal.Release();
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken ct) => _signal.WaitAsync(timeout, ct);
}
