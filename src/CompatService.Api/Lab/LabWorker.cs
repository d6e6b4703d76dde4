using System.Data;

namespace CompatService.Api.Lab;

/// <summary>
/// Runs queued lab runs in this process (registered only with Compat:Lab:Enabled): takes the oldest queued run (or a
/// running one whose lease expired) with FOR UPDATE SKIP LOCKED, so several workers/replicas share the queue.
/// </summary>
public sealed class LabWorker(IServiceScopeFactory scopes, LabSignal signal, IOptions<CompatOptions> options, ILogger<LabWorker> log)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            bool worked;
            try { worked = await RunOneAsync(stoppingToken); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogWarning("lab worker: {Error}", e.Message);
                worked = false;
            }
            if (!worked)
            {
                try { await signal.WaitAsync(TimeSpan.FromSeconds(5), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    public async Task<bool> RunOneAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CompatDbContext>();
        var id = await TakeAsync(db, options.Value.Lab.LeaseSeconds, ct);
        if (id is null) return false;
        await scope.ServiceProvider.GetRequiredService<LabExecutor>().ExecuteAsync(id.Value, ct);
        return true;
    }

    private static async Task<long?> TakeAsync(CompatDbContext db, int leaseSeconds, CancellationToken ct)
    {
        const string sql = """
            UPDATE lab_runs SET state = 'running', started_at = now(), locked_until = now() + make_interval(secs => @lease)
            WHERE id = (
                SELECT id FROM lab_runs
                WHERE state = 'queued' OR (state = 'running' AND locked_until < now())
                ORDER BY id
                FOR UPDATE SKIP LOCKED
                LIMIT 1)
            RETURNING id
            """;
        var conn = db.Database.GetDbConnection();
        if (conn.State != ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        var p = cmd.CreateParameter(); p.ParameterName = "lease"; p.Value = (double)leaseSeconds; cmd.Parameters.Add(p);
        return await cmd.ExecuteScalarAsync(ct) is long id ? id : null;
    }
}
