using System.Text.Json;
using System.Text.RegularExpressions;
using CompatService.Api.Caching;
using CompatService.Api.Errors;
using CompatService.Api.Mapping;
using CompatService.Api.Matrix;
using CompatService.Api.Security;
using CompatService.Contracts;
using CompatService.Data;
using CompatService.Data.Entities;
using Microsoft.AspNetCore.Mvc;

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
        CompatDbContext db, CellComputer cells, string? kernel, [FromQuery(Name = "object")] string[]? @object, CancellationToken ct)
    {
        var key = "agent" + http.Request.QueryString.Value;
        var generation = await DataGeneration.ReadAsync(db, ct);
        if (cache.Get(key, generation) is { } hit) return TypedResults.Bytes(hit.Body, hit.ContentType);
        var sha = kernel?.Trim().ToLowerInvariant();
        if (sha is null || !Sha256Hex().IsMatch(sha))
            return Problems.BadRequest("query 'kernel' must be the sha256 (64 hex digits) of the kernel's raw vmlinux BTF");
        var objectShas = (@object ?? []).Select(o => o.Trim().ToLowerInvariant()).Distinct().ToList();
        if (objectShas.FirstOrDefault(o => !Sha256Hex().IsMatch(o)) is { } bad)
            return Problems.BadRequest($"object '{bad}' is not a sha256 (64 hex digits)");
        var k = await db.Kernels.AsNoTracking().Include(x => x.Modules).SingleOrDefaultAsync(x => x.Sha256 == sha, ct);
        if (k is null)
            return Problems.NotFound("unknown kernel",
                $"no kernel with BTF sha256 {sha}: upload /sys/kernel/btf/vmlinux to {ApiRoutes.Kernels}, then ask again");
        var objects = await db.Objects.AsNoTracking().Where(o => objectShas.Contains(o.Sha256)).ToListAsync(ct);
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
        CompatDbContext db, AgentReport? report, CancellationToken ct)
    {
        if (report is null || string.IsNullOrWhiteSpace(report.Host) || report.Outcomes is null)
            return Problems.BadRequest("body must be an AgentReport with host, kernelBtfSha256 and outcomes");
        var ksha = (report.KernelBtfSha256 ?? "").Trim().ToLowerInvariant();
        if (!Sha256Hex().IsMatch(ksha))
            return Problems.BadRequest("kernelBtfSha256 must be 64 hex digits");
        if (report.Outcomes.FirstOrDefault(x => x is null || !Sha256Hex().IsMatch((x.ObjectSha256 ?? "").ToLowerInvariant())
                                                || string.IsNullOrWhiteSpace(x.Program)) is { } bad)
            return Problems.BadRequest($"outcome for program '{bad?.Program}': objectSha256 must be 64 hex digits and program non-empty");
        var kernelId = await db.Kernels.Where(k => k.Sha256 == ksha).Select(k => (long?)k.Id).SingleOrDefaultAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var rows = report.Outcomes.Select(x => new ObservedOutcomeEntity
        {
            Host = report.Host.Trim(), KernelId = kernelId, KernelBtfSha256 = ksha, KernelRelease = report.KernelRelease,
            ObjectSha256 = x.ObjectSha256.ToLowerInvariant(), ObjectName = x.ObjectName, Program = x.Program,
            Predicted = x.Predicted.Wire(), Loaded = x.Loaded, Errno = x.Errno,
            VerifierTail = x.VerifierTail is { Length: > 8192 } t ? t[^8192..] : x.VerifierTail,
            ObservedAt = x.ObservedAt == default ? now : x.ObservedAt, ReceivedAt = now,
        }).ToList();
        db.ObservedOutcomes.AddRange(rows);
        await db.SaveChangesAsync(ct);
        return TypedResults.Created(ApiRoutes.AgentReports, await WithPredictionsAsync(db, rows, ct));
    }

    private static async Task<Ok<List<ObservedOutcomeDto>>> ListReportsAsync(
        CompatDbContext db, string? kernel, [FromQuery(Name = "object")] string? @object, string? host, bool? disagrees,
        int? limit, string? source, CancellationToken ct)
    {
        var q = db.ObservedOutcomes.AsNoTracking();
        if (QueryCheck.Sha256("kernel", kernel) is { } ks) q = q.Where(o => o.KernelBtfSha256 == ks);
        if (QueryCheck.Sha256("object", @object) is { } os) q = q.Where(o => o.ObjectSha256 == os);
        if (limit is < 1 or > 5000) throw new InvalidParameterException("limit", $"limit '{limit}' is out of range: 1..5000");
        if (source is { Length: > 0 }) q = q.Where(o => o.Source == source);
        if (host is { Length: > 0 }) q = q.Where(o => o.Host == host);
        var rows = await q.OrderByDescending(o => o.ObservedAt).ThenByDescending(o => o.Id)
            .Take(Math.Clamp(limit ?? 200, 1, 5000)).ToListAsync(ct);
        var dtos = await WithPredictionsAsync(db, rows, ct);
        if (disagrees is { } d) dtos = dtos.Where(x => x.Disagrees == d).ToList();
        return TypedResults.Ok(dtos);
    }

    /// <summary>Puts the service's stored prediction (current engine) beside each outcome.</summary>
    private static async Task<List<ObservedOutcomeDto>> WithPredictionsAsync(CompatDbContext db, List<ObservedOutcomeEntity> rows, CancellationToken ct)
    {
        var v = CellComputer.EngineVersion;
        var kshas = rows.Select(r => r.KernelBtfSha256).Distinct().ToList();
        var oshas = rows.Select(r => r.ObjectSha256).Distinct().ToList();
        var cells = await db.MatrixCells.AsNoTracking()
            .Where(c => c.EngineVersion == v && kshas.Contains(c.KernelSha256) && oshas.Contains(c.ObjectSha256))
            .ToListAsync(ct);
        var results = cells.ToDictionary(c => (c.ObjectSha256, c.KernelSha256), CellComputer.Results);
        return rows.Select(r =>
        {
            Verdict? service = results.TryGetValue((r.ObjectSha256, r.KernelBtfSha256), out var list)
                ? list.FirstOrDefault(p => p.Name == r.Program)?.Result.Verdict : null;
            return r.ToDto(service);
        }).ToList();
    }
}
