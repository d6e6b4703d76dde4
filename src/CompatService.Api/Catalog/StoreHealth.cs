namespace CompatService.Api.Catalog;

/// <summary>The database as the health check and the response caches see it: does it answer, and its data generation.</summary>
public sealed class StoreHealth(CompatDbContext db)
{
    /// <summary>One round trip; throws when the database does not answer.</summary>
    public Task PingAsync(CancellationToken ct) => db.Database.ExecuteSqlRawAsync("SELECT 1", ct);

    /// <summary>The fingerprint cached answers are keyed by (<see cref="DataGeneration"/>).</summary>
    public Task<string> GenerationAsync(CancellationToken ct) => DataGeneration.ReadAsync(db, ct);
}
