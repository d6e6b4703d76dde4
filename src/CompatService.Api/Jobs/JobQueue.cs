using System.Data;

namespace CompatService.Api.Jobs;

/// <summary>The job table as a queue shared by every replica: taken with FOR UPDATE SKIP LOCKED under a lease.</summary>
public static class JobQueue
{
    public sealed record Payload(long Id);
    public sealed record Taken(long Id, string Kind, long TargetId, int Attempts);

    /// <summary>Adds a job to the context (saved with the caller's transaction, so the job exists iff the data does).</summary>
    public static void Enqueue(CompatDbContext db, string kind, long targetId) =>
        db.Jobs.Add(new JobEntity
        {
            Kind = kind, Payload = JsonSerializer.Serialize(new Payload(targetId)), CreatedAt = DateTimeOffset.UtcNow,
        });

    /// <summary>Takes the oldest runnable job (queued, or running with an expired lease) or null.</summary>
    public static async Task<Taken?> TakeAsync(CompatDbContext db, TimeSpan lease, int maxAttempts, CancellationToken ct)
    {
        const string sql = """
            UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_until = now() + make_interval(secs => @lease)
            WHERE id = (
                SELECT id FROM jobs
                WHERE (state = 'queued' OR (state = 'running' AND locked_until < now())) AND attempts < @max
                ORDER BY id
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
            RETURNING id, kind, payload::text, attempts
            """;
        var conn = db.Database.GetDbConnection();
        if (conn.State != ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        var p1 = cmd.CreateParameter(); p1.ParameterName = "lease"; p1.Value = lease.TotalSeconds; cmd.Parameters.Add(p1);
        var p2 = cmd.CreateParameter(); p2.ParameterName = "max"; p2.Value = maxAttempts; cmd.Parameters.Add(p2);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        var payload = JsonSerializer.Deserialize<Payload>(r.GetString(2))!;
        return new Taken(r.GetInt64(0), r.GetString(1), payload.Id, r.GetInt32(3));
    }

    public static Task FinishAsync(CompatDbContext db, long id, CancellationToken ct) =>
        db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, JobStates.Done)
            .SetProperty(j => j.FinishedAt, DateTimeOffset.UtcNow)
            .SetProperty(j => j.LockedUntil, (DateTimeOffset?)null), ct);

    public static Task FailAsync(CompatDbContext db, long id, string error, bool final, CancellationToken ct) =>
        db.Jobs.Where(j => j.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(j => j.State, final ? JobStates.Failed : JobStates.Queued)
            .SetProperty(j => j.LastError, error)
            .SetProperty(j => j.LockedUntil, (DateTimeOffset?)null), ct);
}
