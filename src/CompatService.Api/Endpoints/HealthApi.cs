namespace CompatService.Api.Endpoints;

public static class HealthApi
{
    public sealed record Health(string Status, string EngineVersion);

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ApiRoutes.Health, CheckAsync).WithTags("Health").WithName("Health");
        return app;
    }

    /// <summary>200 when the database answers, 503 ProblemDetails otherwise.</summary>
    private static async Task<Results<Ok<Health>, ProblemHttpResult>> CheckAsync(StoreHealth store, CancellationToken ct)
    {
        try
        {
            await store.PingAsync(ct);
            return TypedResults.Ok(new Health("healthy", CompatService.Engine.CompatEngine.Version));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return TypedResults.Problem("the database does not answer: " + e.GetType().Name, statusCode: 503, title: "unhealthy");
        }
    }
}
