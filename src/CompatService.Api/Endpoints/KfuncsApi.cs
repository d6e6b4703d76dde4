using CompatService.Api.Security;
using CompatService.Contracts;
using CompatService.Data;

namespace CompatService.Api.Endpoints;

public static class KfuncsApi
{
    public static IEndpointRouteBuilder MapKfuncsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet(ApiRoutes.Kfunc, GetAsync).WithTags("Kfuncs").WithName("GetKfunc").RequireReadKey();
        return app;
    }

    /// <summary>One kfunc across every kernel: present or not, prototype, tagged, flags, module.</summary>
    private static async Task<Ok<KfuncHistoryDto>> GetAsync(CompatDbContext db, string name, CancellationToken ct)
    {
        var kernels = await db.Kernels.AsNoTracking().OrderBy(k => k.Id)
            .Select(k => new { k.Id, k.Release, k.Arch, k.Flavour, k.Distro }).ToListAsync(ct);
        var rows = await db.KernelSymbols.AsNoTracking().Where(s => s.Name == name && s.Kind == "func").ToListAsync(ct);
        var byKernel = rows.GroupBy(r => r.KernelId).ToDictionary(g => g.Key, g => g.First());
        var presence = kernels.Select(k => byKernel.TryGetValue(k.Id, out var s)
            ? new KfuncPresence(k.Id, k.Release, k.Arch, k.Flavour, k.Distro, true, s.Prototype, s.Tagged, (uint?)s.Flags, s.Module)
            : new KfuncPresence(k.Id, k.Release, k.Arch, k.Flavour, k.Distro, false, null, false, null, null)).ToList();
        return TypedResults.Ok(new KfuncHistoryDto(name, presence));
    }
}
