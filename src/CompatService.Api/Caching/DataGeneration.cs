using System.Data;
using CompatService.Data;
using Npgsql;
using NpgsqlTypes;

namespace CompatService.Api.Caching;

/// <summary>
/// A cheap fingerprint of everything a matrix or verdict answer depends on: kernels, objects and modules (max id and
/// count: catches inserts and deletes) and cells (max id: every computed cell, also after a module upload dropped a
/// kernel's cells), configs (count: one attached later drops the kernel's cells). Labels, blobs and results are never updated in place, so an equal fingerprint means an equal answer.
/// An answer about given kernels only (the matrix with <c>kernel=</c>, the agent's verdicts) is keyed by those kernels'
/// cells instead of every cell (max id and count of matrix_cells on them, on its kernel_id index): while workers compute
/// other kernels' cells, its cached answer stays valid, so reads do not rebuild on every cell written elsewhere.
/// One round trip on indexes.
/// </summary>
public static class DataGeneration
{
    private const string Common = """
        SELECT (SELECT coalesce(max(id), 0) FROM kernels) || '/' || (SELECT count(*) FROM kernels) || '/' ||
               (SELECT coalesce(max(id), 0) FROM objects) || '/' || (SELECT count(*) FROM objects) || '/' ||
               (SELECT coalesce(max(id), 0) FROM kernel_modules) || '/' || (SELECT count(*) FROM kernel_configs) || '/' ||
        """;

    private const string AllCells = Common + "(SELECT coalesce(max(id), 0) FROM matrix_cells)";

    private const string CellsOfIds = Common +
        "(SELECT 'k' || coalesce(max(id), 0) || ':' || count(*) FROM matrix_cells WHERE kernel_id = ANY(@k))";

    private const string CellsOfSha = Common +
        "(SELECT 's' || coalesce(max(id), 0) || ':' || count(*) FROM matrix_cells WHERE kernel_id IN (SELECT id FROM kernels WHERE sha256 = @sha))";

    /// <summary>The fingerprint of the whole store.</summary>
    public static Task<string> ReadAsync(CompatDbContext db, CancellationToken ct) => ScalarAsync(db, AllCells, null, ct);

    /// <summary>The fingerprint of answers about the kernels <paramref name="kernelIds"/> only.</summary>
    public static Task<string> ReadForKernelsAsync(CompatDbContext db, IReadOnlyCollection<long> kernelIds, CancellationToken ct) =>
        ScalarAsync(db, CellsOfIds, new NpgsqlParameter("k", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = kernelIds.ToArray() }, ct);

    /// <summary>The fingerprint of answers about the kernel whose BTF sha256 is <paramref name="sha256"/> only.</summary>
    public static Task<string> ReadForKernelShaAsync(CompatDbContext db, string sha256, CancellationToken ct) =>
        ScalarAsync(db, CellsOfSha, new NpgsqlParameter("sha", NpgsqlDbType.Char) { Value = sha256 }, ct);

    private static async Task<string> ScalarAsync(CompatDbContext db, string sql, NpgsqlParameter? p, CancellationToken ct)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        if (p is not null) cmd.Parameters.Add(p);
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
