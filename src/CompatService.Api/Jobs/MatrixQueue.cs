using System.Data;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CompatService.Api.Jobs;

/// <summary>
/// The matrix queue by kernel (table matrix_work), shared by every worker of every replica: a request marks kernels
/// as possibly lacking cells; a worker leases a few kernels with FOR UPDATE SKIP LOCKED plus an expiring lease
/// (locked_until), computes its missing cells, and releases it. PostgreSQL holds all of the queue's state, so a
/// killed process loses nothing: its lease expires and another worker takes the kernel.
/// </summary>
public static class MatrixQueue
{
    public sealed record Lease(long KernelId, long Generation, int Attempts);

    /// <summary>Marks every kernel (an object job: null) or one kernel (a kernel job) as needing its missing cells computed.</summary>
    public static Task<int> RequestAsync(CompatDbContext db, long? kernelId, CancellationToken ct) =>
        ExecuteAsync(db, $"""
            INSERT INTO matrix_work (kernel_id, generation, requested_at, attempts)
            SELECT id, 1, now(), 0 FROM kernels {(kernelId is null ? "" : "WHERE id = @k")} ORDER BY id
            ON CONFLICT (kernel_id) DO UPDATE SET generation = matrix_work.generation + 1, attempts = 0, last_error = NULL
            """, ct, ("k", kernelId ?? 0L));

    /// <summary>
    /// Leases up to <paramref name="count"/> of the longest-waiting free kernels (never leased, or their lease expired) in
    /// one statement; returned longest-waiting first.
    /// </summary>
    public static async Task<List<Lease>> TakeAsync(CompatDbContext db, string me, TimeSpan lease, int maxAttempts, int count, CancellationToken ct)
    {
        const string sql = """
            UPDATE matrix_work SET locked_until = now() + make_interval(secs => @lease), locked_by = @me, attempts = attempts + 1
            WHERE kernel_id IN (
                SELECT kernel_id FROM matrix_work
                WHERE (locked_until IS NULL OR locked_until < now()) AND attempts < @max
                ORDER BY requested_at, kernel_id
                FOR UPDATE SKIP LOCKED
                LIMIT @n)
            RETURNING kernel_id, generation, attempts, requested_at
            """;
        await using var cmd = await CommandAsync(db, sql, ct, ("lease", lease.TotalSeconds), ("me", me), ("max", maxAttempts), ("n", count));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var taken = new List<(Lease Lease, DateTime RequestedAt)>();
        while (await r.ReadAsync(ct)) taken.Add((new Lease(r.GetInt64(0), r.GetInt64(1), r.GetInt32(2)), r.GetDateTime(3)));
        return taken.OrderBy(x => x.RequestedAt).ThenBy(x => x.Lease.KernelId).Select(x => x.Lease).ToList();
    }

    /// <summary>
    /// Done with a lease: the row goes when nothing was requested since it was leased and no objects remain; else it is
    /// freed for the next lease (with <paramref name="requeue"/>, at the back of the queue: its request time becomes now).
    /// A lease that expired and was taken by another worker is left to that worker.
    /// </summary>
    public static async Task FinishAsync(CompatDbContext db, string me, Lease lease, bool more, CancellationToken ct, bool requeue = false)
    {
        if (!more && await ExecuteAsync(db, "DELETE FROM matrix_work WHERE kernel_id = @k AND generation = @g AND locked_by = @me",
                ct, ("k", lease.KernelId), ("g", lease.Generation), ("me", me)) > 0)
            return;
        await ExecuteAsync(db, """
            UPDATE matrix_work SET locked_until = NULL, locked_by = NULL, attempts = 0, last_error = NULL,
                requested_at = CASE WHEN @requeue THEN now() ELSE requested_at END
            WHERE kernel_id = @k AND locked_by = @me
            """, ct, ("k", lease.KernelId), ("me", me), ("requeue", requeue));
    }

    /// <summary>A failed batch: the row is freed with its error; after JobMaxAttempts leases it is left alone until a new request.</summary>
    public static Task FailAsync(CompatDbContext db, string me, Lease lease, string error, CancellationToken ct) =>
        ExecuteAsync(db, "UPDATE matrix_work SET locked_until = NULL, locked_by = NULL, last_error = @e WHERE kernel_id = @k AND locked_by = @me",
            ct, ("k", lease.KernelId), ("me", me), ("e", error));

    private static async Task<int> ExecuteAsync(CompatDbContext db, string sql, CancellationToken ct, params (string Name, object Value)[] ps)
    {
        await using var cmd = await CommandAsync(db, sql, ct, ps);
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    private static async Task<NpgsqlCommand> CommandAsync(CompatDbContext db, string sql, CancellationToken ct, params (string Name, object Value)[] ps)
    {
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        var cmd = new NpgsqlCommand(sql, conn) { Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction?.GetDbTransaction() };
        foreach (var (n, v) in ps) cmd.Parameters.AddWithValue(n, v);
        return cmd;
    }
}
