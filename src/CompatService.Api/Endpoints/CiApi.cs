using CompatService.Engine;
using MatrixOk = CompatService.Reporting.MatrixOk;
using static CompatService.Reporting.ContractMapping;

namespace CompatService.Api.Endpoints;

/// <summary>
/// `POST /api/ci/check`: one synchronous call for a CI job. The object is an upload (checked, not stored) or the sha256
/// of a stored object; kernels are selected by labels / release / range / arch (all kernels when none given).
/// 200 with ok true|false; ok is false when any program fails on any selected kernel ("unknown" fails only with
/// strict=true). It stores nothing, so it is a read for the API-key policy.
/// </summary>
public static class CiApi
{
    public static IEndpointRouteBuilder MapCiApi(this IEndpointRouteBuilder app)
    {
        app.MapPost(ApiRoutes.CiCheck, CheckAsync).WithTags("CI").WithName("CiCheck").DisableAntiforgery().RequireReadKey()
            .Produces<CiCheckResponse>(200, "application/json").Produces(200, typeof(string), "application/xml", "text/markdown")
            .ProducesProblem(413).ProducesProblem(422);
        return app;
    }

    private static async Task<IResult> CheckAsync(
        HttpContext http, IFormFile? file, [FromForm] string? sha256, [FromForm] string? labels, [FromForm] string? release,
        [FromForm] string? minRelease, [FromForm] string? maxRelease, [FromForm] string? arch, [FromForm] bool? strict,
        [FromQuery] string? format, KernelCatalog kernelCatalog, ObjectCatalog objects, MatrixService matrix, IOptions<CompatOptions> o,
        CancellationToken ct)
    {
        format = QueryCheck.OneOf("format", format, "json", "json", "junit", "markdown", "md");
        var (rel, min, max) = QueryCheck.Releases(release, minRelease, maxRelease);
        var kernelFilter = new MatrixFilter(new Dictionary<string, string>(), Labels.Parse(labels), QueryCheck.Arch("arch", arch), rel, min, max);
        var kernels = await kernelCatalog.SelectAsync(kernelFilter, ct);
        if (kernels.Count == 0)
            return TypedResults.Problem("no stored kernel matches the selection (labels / release / arch)", statusCode: 422,
                title: "no kernels selected");

        MatrixReport report;
        if (file is not null)
        {
            var bytes = await UploadReader.ReadAsync(file, o.Value.MaxUploadBytes, ct);
            var budget = o.Value.Budget.ForRequest(ct);
            var obj = CompatEngine.OpenObject(bytes, budget);
            var summary = CompatEngine.Inspect(obj, budget).ToContract();
            var results = new Dictionary<(long, long), IReadOnlyList<ProgramResultWithName>>();
            foreach (var k in kernels)
                results[(0, k.Id)] = CellComputer.Evaluate(obj, await kernelCatalog.CheckKernelAsync(k, obj, ct), MatrixBuilder.Id(k), o.Value.Budget.ForJob(ct));
            report = MatrixBuilder.Build([new MatrixObjectRows(0, Path.GetFileName(file.FileName), Sha.Hex(bytes), summary.Programs)], kernels, results);
        }
        else if (QueryCheck.Sha256("sha256", sha256) is { } sha)
        {
            if (!await objects.ExistsAsync(sha, ct))
                return Problems.NotFound("unknown object", $"no stored object has sha256 {sha}; upload the file instead");
            report = await matrix.BuildAsync(kernelFilter with { ObjectShas = [sha], KernelIds = kernels.Select(k => k.Id).ToList() }, ct);
        }
        else
        {
            return Problems.BadRequest("send the object as multipart field 'file', or the sha256 of a stored object as field 'sha256'");
        }

        var ok = MatrixOk.AllOk(report, strict ?? false);
        return format switch
        {
            "junit" => TypedResults.Text(MatrixFormats.JUnit(report), "application/xml; charset=utf-8"),
            "markdown" or "md" => TypedResults.Text(MatrixFormats.Markdown(report, ok), "text/markdown; charset=utf-8"),
            _ => TypedResults.Json(new CiCheckResponse(ok, report), ContractJson.Options),
        };
    }
}
