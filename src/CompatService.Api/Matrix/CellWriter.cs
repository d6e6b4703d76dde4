using CompatService.Data.Entities;
using Npgsql;
using NpgsqlTypes;

namespace CompatService.Api.Matrix;

/// <summary>
/// Writes one batch of matrix cells (issue 13 §2, bulk writes). The common case — nobody stored any of these cells
/// meanwhile — is one binary COPY straight into matrix_cells: a COPY is one statement, so it stores every row or none.
/// When it meets a cell stored meanwhile (an expired lease whose first holder finished after all, or a matrix read
/// computing a missing cell inline), the unique index (object sha256, kernel sha256, engine version) refuses the
/// whole COPY and the batch goes again as one INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO NOTHING, which keeps
/// the stored cell. Either way the result is the same set of rows, and a failure leaves none of the batch's.
/// </summary>
public static class CellWriter
{
    private const string Copy = """
        COPY matrix_cells (object_id, kernel_id, object_sha256, kernel_sha256, engine_version, verdict, results, reason_codes,
                           disabled_path_count, computed_at) FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>
    /// Stores <paramref name="cells"/> on the open <paramref name="conn"/>; a cell already stored is kept as it is. Inside a
    /// caller's transaction (<paramref name="inTransaction"/>) a refused COPY would abort it, so there only the INSERT runs.
    /// </summary>
    public static async Task WriteAsync(NpgsqlConnection conn, bool inTransaction, IReadOnlyList<MatrixCellEntity> cells, CancellationToken ct)
    {
        if (cells.Count == 0) return;
        if (!inTransaction)
        {
            try
            {
                await CopyAsync(conn, cells, ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // some cell is stored already: fall through to the idempotent INSERT
            }
        }
        await InsertAsync(conn, cells, ct);
    }

    private static async Task CopyAsync(NpgsqlConnection conn, IReadOnlyList<MatrixCellEntity> cells, CancellationToken ct)
    {
        await using var w = await conn.BeginBinaryImportAsync(Copy, ct);
        foreach (var c in cells)
        {
            await w.StartRowAsync(ct);
            await w.WriteAsync(c.ObjectId, NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(c.KernelId, NpgsqlDbType.Bigint, ct);
            await w.WriteAsync(c.ObjectSha256, NpgsqlDbType.Char, ct);
            await w.WriteAsync(c.KernelSha256, NpgsqlDbType.Char, ct);
            await w.WriteAsync(c.EngineVersion, NpgsqlDbType.Varchar, ct);
            await w.WriteAsync(c.Verdict, NpgsqlDbType.Varchar, ct);
            await w.WriteAsync(c.ResultsJson, NpgsqlDbType.Jsonb, ct);
            await w.WriteAsync(c.ReasonCodesJson, NpgsqlDbType.Jsonb, ct);
            await w.WriteAsync(c.DisabledPathCount, NpgsqlDbType.Integer, ct);
            await w.WriteAsync(c.ComputedAt, NpgsqlDbType.TimestampTz, ct);
        }
        await w.CompleteAsync(ct);
    }

    /// <summary>One INSERT … SELECT FROM unnest(arrays) for the whole batch; a cell stored meanwhile is kept.</summary>
    private static async Task InsertAsync(NpgsqlConnection conn, IReadOnlyList<MatrixCellEntity> cells, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO matrix_cells (object_id, kernel_id, object_sha256, kernel_sha256, engine_version, verdict, results,
                                      reason_codes, disabled_path_count, computed_at)
            SELECT o, k, osha, ksha, v, verdict, res::jsonb, rc::jsonb, dp, at
            FROM unnest(@o, @k, @osha, @ksha, @v, @verdict, @res, @rc, @dp, @at) AS t(o, k, osha, ksha, v, verdict, res, rc, dp, at)
            ON CONFLICT (object_sha256, kernel_sha256, engine_version) DO NOTHING
            """;
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("o", cells.Select(c => c.ObjectId).ToArray());
        cmd.Parameters.AddWithValue("k", cells.Select(c => c.KernelId).ToArray());
        cmd.Parameters.AddWithValue("osha", cells.Select(c => c.ObjectSha256).ToArray());
        cmd.Parameters.AddWithValue("ksha", cells.Select(c => c.KernelSha256).ToArray());
        cmd.Parameters.AddWithValue("v", cells.Select(c => c.EngineVersion).ToArray());
        cmd.Parameters.AddWithValue("verdict", cells.Select(c => c.Verdict).ToArray());
        cmd.Parameters.AddWithValue("res", cells.Select(c => c.ResultsJson).ToArray());
        cmd.Parameters.AddWithValue("rc", cells.Select(c => c.ReasonCodesJson).ToArray());
        cmd.Parameters.AddWithValue("dp", cells.Select(c => c.DisabledPathCount).ToArray());
        cmd.Parameters.AddWithValue("at", cells.Select(c => c.ComputedAt).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
