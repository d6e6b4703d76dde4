namespace CompatService.Api.Catalog;

/// <summary>The database as the health check and the response caches see it: does it answer, and its data generation.</summary>
public sealed class StoreHealth(CompatDbContext db)
{
    /// <summary>One round trip; throws when the database does not answer.</summary>
    public Task PingAsync(CancellationToken ct) => db.Database.ExecuteSqlRawAsync("SELECT 1", ct);

    /// <summary>The fingerprint cached answers are keyed by (<see cref="DataGeneration"/>).</summary>
    public Task<string> GenerationAsync(CancellationToken ct) => DataGeneration.ReadAsync(db, ct);

    /// <summary>The fingerprint of answers about the given kernels only (their cells, and everything but other kernels' cells).</summary>
    public Task<string> GenerationAsync(IReadOnlyCollection<long> kernelIds, CancellationToken ct) =>
        DataGeneration.ReadForKernelsAsync(db, kernelIds, ct);

    /// <summary>The fingerprint of answers about the kernel with BTF sha256 <paramref name="sha256"/> only.</summary>
    public Task<string> GenerationAsync(string sha256, CancellationToken ct) => DataGeneration.ReadForKernelShaAsync(db, sha256, ct);
}
