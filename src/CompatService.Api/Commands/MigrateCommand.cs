using CompatService.Data;

namespace CompatService.Api.Commands;

/// <summary>`dotnet CompatService.Api.dll migrate`: applies pending EF migrations and exits (never done at serve time).</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CompatDbContext>();
        var log = scope.ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger("migrate");
        var pending = (await db.Database.GetPendingMigrationsAsync()).ToList();
        log.LogInformation("applying {Count} migration(s): {Names}", pending.Count, string.Join(", ", pending));
        await db.Database.MigrateAsync();
        log.LogInformation("database is at {Last}", (await db.Database.GetAppliedMigrationsAsync()).LastOrDefault());
        return 0;
    }
}
