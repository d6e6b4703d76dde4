using System.Text.RegularExpressions;

namespace CompatService.Api.Endpoints;

/// <summary>The agent's two calls: verdicts for objects on a kernel known by its BTF sha256, and observed outcomes.</summary>
public static partial class AgentApi
{
    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    public static IEndpointRouteBuilder MapAgentApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ApiRoutes.AgentVerdicts, VerdictsAsync).WithTags("Agent").WithName("AgentVerdicts").RequireReadKey()
            .Produces<AgentVerdictsResponse>(200, "application/json");
        app.MapGet(ApiRoutes.AgentReports, ListReportsAsync).WithTags("Agent").WithName("ListAgentReports").RequireReadKey();
        app.MapPost(ApiRoutes.AgentReports, ReportAsync).WithTags("Agent").WithName("AgentReport").RequireWriteKey();
        return app;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> VerdictsAsync(HttpContext http, ResponseCache cache,
        StoreHealth store, KernelCatalog kernels, ObjectCatalog objectCatalog, CellComputer cells, string? kernel, [FromQuery(Name = "object")] string[]? @object, CancellationToken ct)
    {
        var key = "agent" + http.Request.QueryString.Value;
        var sha = kernel?.Trim().ToLowerInvariant();
        if (sha is null || !Sha256Hex().IsMatch(sha))
            return Problems.BadRequest("query 'kernel' must be the sha256 (64 hex digits) of the kernel's raw vmlinux BTF");
        // the answer depends on that kernel's cells only: cells computed meanwhile on other kernels keep it cached
        var generation = await store.GenerationAsync(sha, ct);
        if (cache.Get(key, generation) is { } hit) return TypedResults.Bytes(hit.Body, hit.ContentType);
        var objectShas = (@object ?? []).Select(o => o.Trim().ToLowerInvariant()).Distinct().ToList();
        if (objectShas.FirstOrDefault(o => !Sha256Hex().IsMatch(o)) is { } bad)
            return Problems.BadRequest($"object '{bad}' is not a sha256 (64 hex digits)");
        var k = await kernels.FindByBtfShaAsync(sha, ct);
        if (k is null)
            return Problems.NotFound("unknown kernel",
                $"no kernel with BTF sha256 {sha}: upload /sys/kernel/btf/vmlinux to {ApiRoutes.Kernels}, then ask again");
        var objects = await objectCatalog.FindByShasAsync(objectShas, ct);
        var map = await cells.EnsureAsync(objects, [k], ct);
        var answers = objectShas.Select(s =>
        {
            var o = objects.FirstOrDefault(x => x.Sha256 == s);
            return o is null
                ? new AgentObjectVerdicts(s, false, [])
                : new AgentObjectVerdicts(s, true, CellComputer.Results(map[(o.Id, k.Id)]));
        }).ToList();
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new AgentVerdictsResponse(new AgentKernelRef(k.Id, k.Sha256, k.Release), answers), ContractJson.Options);
        cache.Put(key, new ResponseCache.Entry(generation, body, "application/json; charset=utf-8"));
        return TypedResults.Bytes(body, "application/json; charset=utf-8");
    }

    private static async Task<Results<Created<List<ObservedOutcomeDto>>, ProblemHttpResult>> ReportAsync(
        ObservedOutcomes outcomes, AgentReport? report, CancellationToken ct)
    {
        if (report is null || string.IsNullOrWhiteSpace(report.Host) || report.Outcomes is null)
            return Problems.BadRequest("body must be an AgentReport with host, kernelBtfSha256 and outcomes");
        var ksha = (report.KernelBtfSha256 ?? "").Trim().ToLowerInvariant();
        if (!Sha256Hex().IsMatch(ksha))
            return Problems.BadRequest("kernelBtfSha256 must be 64 hex digits");
        if (report.Outcomes.FirstOrDefault(x => x is null || !Sha256Hex().IsMatch((x.ObjectSha256 ?? "").ToLowerInvariant())
                                                || string.IsNullOrWhiteSpace(x.Program)) is { } bad)
            return Problems.BadRequest($"outcome for program '{bad?.Program}': objectSha256 must be 64 hex digits and program non-empty");
        return TypedResults.Created(ApiRoutes.AgentReports, await outcomes.RecordAsync(report, ksha, ct));
    }

    private static async Task<Ok<List<ObservedOutcomeDto>>> ListReportsAsync(
        ObservedOutcomes outcomes, string? kernel, [FromQuery(Name = "object")] string? @object, string? host, bool? disagrees,
        int? limit, string? source, CancellationToken ct)
    {
        var ks = QueryCheck.Sha256("kernel", kernel);
        var os = QueryCheck.Sha256("object", @object);
        if (limit is < 1 or > 5000) throw new InvalidParameterException("limit", $"limit '{limit}' is out of range: 1..5000");
        var dtos = await outcomes.ListAsync(ks, os, host, source, Math.Clamp(limit ?? 200, 1, 5000), ct);
        if (disagrees is { } d) dtos = dtos.Where(x => x.Disagrees == d).ToList();
        return TypedResults.Ok(dtos);
    }
}
