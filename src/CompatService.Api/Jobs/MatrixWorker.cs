namespace CompatService.Api.Jobs;

/// <summary>
/// Computes matrix cells in the background, by kernel: turns ingest jobs (taken with SKIP LOCKED) into per-kernel
/// requests (matrix_work), then leases one kernel at a time and computes every object lacking a cell on it in one
/// batch (<see cref="CellComputer.ComputeForKernelAsync"/>). Any number of these run in any number of replicas.
/// </summary>
public sealed class MatrixWorker(IServiceScopeFactory scopes, JobSignal signal, EngineCache cache, IOptions<CompatOptions> options,
    WorkerDb workerDb, ILogger<MatrixWorker> log) : BackgroundService
{
    private static int _instances;

    /// <summary>This worker's name in matrix_work.locked_by: host, process, worker number.</summary>
    public string Name { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Interlocked.Increment(ref _instances)}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var lease = TimeSpan.FromSeconds(o.JobLeaseSeconds);
        var busy = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            bool worked;
            try
            {
                worked = await RunOneAsync(lease, o.JobMaxAttempts, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                log.LogWarning("matrix worker: {Error}", e.Message);
                worked = false;
            }
            if (busy && !worked) log.LogInformation("matrix profile: {Profile}", MatrixProfile.Describe(cache.KernelStats));
            busy = worked;
            if (!worked)
            {
                try { await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Runs one unit of work (an ingest job, or one kernel's batch) if there is one; false when there is none.</summary>
    public async Task<bool> RunOneAsync(TimeSpan lease, int maxAttempts, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        await using var db = workerDb.Create();
        var t = System.Diagnostics.Stopwatch.GetTimestamp();
        if (await JobQueue.TakeAsync(db, lease, maxAttempts, ct) is { } job)
        {
            await RunJobAsync(db, job, maxAttempts, ct);
            MatrixProfile.Add(MatrixProfile.Phase.Queue, System.Diagnostics.Stopwatch.GetTimestamp() - t);
            return true;
        }
        var taken = await MatrixQueue.TakeAsync(db, Name, lease, maxAttempts, options.Value.MatrixLeaseBatch, ct);
        MatrixProfile.Add(MatrixProfile.Phase.Queue, System.Diagnostics.Stopwatch.GetTimestamp() - t);
        if (taken.Count == 0) return false;
        var cells = ActivatorUtilities.CreateInstance<CellComputer>(scope.ServiceProvider, db);
        for (var i = 0; i < taken.Count; i++)
        {
            try { await RunBatchAsync(db, cells, taken[i], ct); }
            catch (OperationCanceledException)
            {
                // stopping: the leases not done go back to the queue now rather than when they expire (best effort)
                foreach (var rest in taken.Skip(i))
                    try { await MatrixQueue.FinishAsync(db, Name, rest, more: true, CancellationToken.None); }
                    catch (Exception e) when (e is Npgsql.NpgsqlException or InvalidOperationException) { break; }
                throw;
            }
        }
        return true;
    }

    /// <summary>One leased kernel's batch, finished (or failed) in matrix_work.</summary>
    private async Task RunBatchAsync(CompatDbContext db, CellComputer cells, MatrixQueue.Lease taken, CancellationToken ct)
    {
        try
        {
            var (n, more, deferred) = await cells.ComputeForKernelAsync(taken.KernelId, options.Value.MatrixBatchSize, ct);
            // Deferred full-BTF objects go behind every kernel waiting now: the surface-only pass over the fleet first.
            await MatrixQueue.FinishAsync(db, Name, taken, more, ct, requeue: deferred);
            log.LogDebug("kernel {Kernel}: {Cells} cells computed by {Worker}", taken.KernelId, n, Name);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("kernel {Kernel} batch (lease {Attempt}) failed: {Error}", taken.KernelId, taken.Attempts, e.Message);
            await MatrixQueue.FailAsync(db, Name, taken, e.Message, CancellationToken.None);
        }
    }

    /// <summary>An ingest job: an object asks every kernel for its cells, a kernel (new, or with a new module or config) asks for its own.</summary>
    private async Task RunJobAsync(CompatDbContext db, JobQueue.Taken job, int maxAttempts, CancellationToken ct)
    {
        try
        {
            var kernels = job.Kind switch
            {
                JobKinds.Kernel => await MatrixQueue.RequestAsync(db, job.TargetId, ct),
                JobKinds.Object => await MatrixQueue.RequestAsync(db, null, ct),
                _ => throw new InvalidOperationException($"unknown job kind '{job.Kind}'"),
            };
            await JobQueue.FinishAsync(db, job.Id, ct);
            log.LogInformation("job {Id} ({Kind} {Target}): {Kernels} kernels to compute", job.Id, job.Kind, job.TargetId, kernels);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("job {Id} ({Kind} {Target}) attempt {Attempt} failed: {Error}", job.Id, job.Kind, job.TargetId, job.Attempts, e.Message);
            await JobQueue.FailAsync(db, job.Id, e.Message, job.Attempts >= maxAttempts, CancellationToken.None);
        }
    }
}
