namespace CompatService.Api.Endpoints;

public static class KfuncsApi
{
    public static IEndpointRouteBuilder MapKfuncsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ApiRoutes.Kfunc, GetAsync).WithTags("Kfuncs").WithName("GetKfunc").RequireReadKey();
        return app;
    }

    /// <summary>One kfunc across every kernel: present or not, prototype, tagged, flags, module.</summary>
    private static async Task<Ok<KfuncHistoryDto>> GetAsync(KernelCatalog kernels, string name, CancellationToken ct) =>
        TypedResults.Ok(await kernels.KfuncHistoryAsync(name, ct));
}
