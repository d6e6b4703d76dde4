using CompatService.Engine.Kernels.Surface;

namespace CompatService.Api.Commands;

/// <summary>
/// `dotnet CompatService.Api.dll migrate [--surfaces]`: applies pending EF migrations and exits (never done at serve
/// time); with --surfaces it also computes and stores the kernel surface of every kernel lacking a current one.
/// </summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(IServiceProvider services, bool surfaces = false)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CompatDbContext>();
        var log = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("migrate");
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        log.LogInformation("applying {Count} migration(s): {Names}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync();
        log.LogInformation("database is at {Last}", (await db.Database.GetAppliedMigrationsAsync()).LastOrDefault());
        if (surfaces) await BackfillSurfacesAsync(db, scope.ServiceProvider.GetRequiredService<EngineCache>(), log);
        return 0;
    }

    /// <summary>Builds and stores the surface of every kernel whose stored one is missing, of another format or of other inputs.</summary>
    private static async Task BackfillSurfacesAsync(CompatDbContext db, EngineCache cache, ILogger log)
    {
        var stored = await db.KernelSurfaces.AsNoTracking().Select(s => new { s.KernelId, s.Format, s.KernelKey })
            .ToDictionaryAsync(s => s.KernelId);
        var ids = await db.Kernels.AsNoTracking().OrderBy(k => k.Id).Select(k => k.Id).ToListAsync();
        var built = 0;
        foreach (var id in ids)
        {
            var k = await db.Kernels.AsNoTracking().Include(x => x.Modules).SingleAsync(x => x.Id == id);
            if (stored.TryGetValue(id, out var s) && s.Format == KernelSurface.FormatVersion && s.KernelKey == EngineCache.KernelKey(k)) continue;
            await cache.SurfaceAsync(db, k, default);
            built++;
        }
        log.LogInformation("kernel surfaces: {Built} built, {Kept} already current", built, ids.Count - built);
    }
}
