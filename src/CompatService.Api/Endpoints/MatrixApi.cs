using System.Text;

namespace CompatService.Api.Endpoints;

public static class MatrixApi
{
    /// <summary>Largest kernelLimit / objectLimit of one page.</summary>
    public const int MaxPage = 10000;

    /// <summary>How many kernels / objects the whole selection has (a page shows kernelLimit of them from kernelOffset).</summary>
    public const string TotalKernelsHeader = "X-Total-Kernels", TotalObjectsHeader = "X-Total-Objects";

    private static string Invariant(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static IEndpointRouteBuilder MapMatrixApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ApiRoutes.Matrix, GetAsync).WithTags("Matrix").WithName("GetMatrix").RequireReadKey()
            .Produces<MatrixReport>(200, "application/json").Produces(200, typeof(string), "text/csv", "text/markdown");
        return app;
    }

    private static async Task<IResult> GetAsync(HttpContext http, StoreHealth store, ResponseCache cache, MatrixService matrix, string? format,
        [FromQuery(Name = "objectLabel")] string[]? objectLabel, [FromQuery(Name = "kernelLabel")] string[]? kernelLabel,
        string? arch, string? release, string? minRelease, string? maxRelease,
        [FromQuery(Name = "object")] string[]? @object, [FromQuery(Name = "kernel")] long[]? kernel,
        int? kernelOffset, int? kernelLimit, int? objectOffset, int? objectLimit, CancellationToken ct)
    {
        format = QueryCheck.OneOf("format", format, "json", "json", "csv", "markdown", "md");
        var (rel, min, max) = QueryCheck.Releases(release, minRelease, maxRelease);
        var f = new MatrixFilter(Labels.ParseQuery(objectLabel), Labels.ParseQuery(kernelLabel), QueryCheck.Arch("arch", arch), rel, min, max,
            @object?.Select(s => QueryCheck.Sha256("object", s)!).ToList(), kernel);
        var page = new MatrixPage(QueryCheck.Range("kernelOffset", kernelOffset, 0, int.MaxValue) ?? 0, QueryCheck.Range("kernelLimit", kernelLimit, 1, MaxPage),
            QueryCheck.Range("objectOffset", objectOffset, 0, int.MaxValue) ?? 0, QueryCheck.Range("objectLimit", objectLimit, 1, MaxPage));
        var key = "matrix" + http.Request.QueryString.Value;
        // an answer about named kernels depends on their cells only: cells computed meanwhile on other kernels keep it cached
        var generation = kernel is { Length: > 0 } ? await store.GenerationAsync(kernel, ct) : await store.GenerationAsync(ct);
        if (cache.Get(key, generation) is not { } entry)
        {
            var (report, totalKernels, totalObjects) = await matrix.BuildPageAsync(f, page, ct);
            entry = format switch
            {
                "csv" => new(generation, Encoding.UTF8.GetBytes(MatrixFormats.Csv(report)), "text/csv; charset=utf-8"),
                "markdown" or "md" => new(generation, Encoding.UTF8.GetBytes(MatrixFormats.Markdown(report)), "text/markdown; charset=utf-8"),
                _ => new(generation, JsonSerializer.SerializeToUtf8Bytes(report, ContractJson.Options), "application/json; charset=utf-8"),
            };
            entry = entry with { Headers = [new(TotalKernelsHeader, Invariant(totalKernels)), new(TotalObjectsHeader, Invariant(totalObjects))] };
            cache.Put(key, entry);
        }
        foreach (var (name, value) in entry.Headers) http.Response.Headers[name] = value;
        return TypedResults.Bytes(entry.Body, entry.ContentType);
    }
}
