using System.Data;
using CompatService.Data;

namespace CompatService.Api.Caching;

/// <summary>
/// A cheap fingerprint of everything a matrix or verdict answer depends on: kernels, objects and modules (max id and
/// count: catches inserts and deletes) and cells (max id: every computed cell, also after a module upload dropped a
/// kernel's cells), configs (count: one attached later drops the kernel's cells). Labels, blobs and results are never updated in place, so an equal fingerprint means an equal answer.
/// One round trip on primary-key indexes.
/// </summary>
public static class DataGeneration
{
    private const string Sql = """
        SELECT (SELECT coalesce(max(id), 0) FROM kernels) || '/' || (SELECT count(*) FROM kernels) || '/' ||
               (SELECT coalesce(max(id), 0) FROM objects) || '/' || (SELECT count(*) FROM objects) || '/' ||
               (SELECT coalesce(max(id), 0) FROM kernel_modules) || '/' || (SELECT count(*) FROM kernel_configs) || '/' ||
               (SELECT coalesce(max(id), 0) FROM matrix_cells)
        """;

    public static async Task<string> ReadAsync(CompatDbContext db, CancellationToken ct)
    {
        var conn = db.Database.GetDbConnection();
        if (conn.State != ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = Sql;
        return (string)(await cmd.ExecuteScalarAsync(ct))!;
    }
}
