using CompatService.Api.Matrix;
using CompatService.Api.Options;
using CompatService.Data;
using CompatService.Data.Entities;
using Microsoft.Extensions.Options;

namespace CompatService.Api.Jobs;

/// <summary>
/// Computes matrix cells in the background: takes jobs with SKIP LOCKED (any number of these, in any number of
/// replicas), computes the missing cells of the job's object or kernel with CompatEngine.Check, marks the job done.
/// </summary>
public sealed class MatrixWorker(IServiceScopeFactory scopes, JobSignal signal, IOptions<CompatOptions> options,
    ILogger<MatrixWorker> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var lease = TimeSpan.FromSeconds(o.JobLeaseSeconds);
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
            if (!worked)
            {
                try { await signal.WaitAsync(TimeSpan.FromSeconds(2), stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    /// <summary>Runs one job if there is one; false when the queue is empty.</summary>
    public async Task<bool> RunOneAsync(TimeSpan lease, int maxAttempts, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CompatDbContext>();
        var job = await JobQueue.TakeAsync(db, lease, maxAttempts, ct);
        if (job is null) return false;
        var cells = scope.ServiceProvider.GetRequiredService<CellComputer>();
        try
        {
            var n = job.Kind switch
            {
                JobKinds.Kernel => await cells.ComputeForKernelAsync(job.TargetId, ct),
                JobKinds.Object => await cells.ComputeForObjectAsync(job.TargetId, ct),
                _ => throw new InvalidOperationException($"unknown job kind '{job.Kind}'"),
            };
            await JobQueue.FinishAsync(db, job.Id, ct);
            log.LogInformation("job {Id} ({Kind} {Target}): {Cells} cells computed", job.Id, job.Kind, job.TargetId, n);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log.LogWarning("job {Id} ({Kind} {Target}) attempt {Attempt} failed: {Error}", job.Id, job.Kind, job.TargetId, job.Attempts, e.Message);
            await JobQueue.FailAsync(db, job.Id, e.Message, job.Attempts >= maxAttempts, CancellationToken.None);
        }
        return true;
    }
}
