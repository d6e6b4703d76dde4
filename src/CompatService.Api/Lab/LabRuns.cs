namespace CompatService.Api.Lab;

/// <summary>The stored lab runs as the lab endpoints see them: queue one, a kernel's latest runs, the latest agreement per kernel.</summary>
public sealed class LabRuns(CompatDbContext db)
{
    /// <summary>Queues a run of <paramref name="objects"/> (sha256s; empty = every stored object) on the kernel.</summary>
    public async Task<LabRunEntity> QueueAsync(long kernelId, IReadOnlyList<string> objects, CancellationToken ct)
    {
        var run = new LabRunEntity
        {
            KernelId = kernelId, ObjectsJson = objects.Count == 0 ? null : JsonSerializer.Serialize(objects), CreatedAt = DateTimeOffset.UtcNow,
        };
        db.LabRuns.Add(run);
        await db.SaveChangesAsync(ct);
        return run;
    }

    /// <summary>The kernel's 50 newest runs.</summary>
    public Task<List<LabRunEntity>> OfKernelAsync(long kernelId, CancellationToken ct) =>
        db.LabRuns.AsNoTracking().Where(r => r.KernelId == kernelId).OrderByDescending(r => r.Id).Take(50).ToListAsync(ct);

    /// <summary>Per kernel, its latest finished (done) lab run.</summary>
    public async Task<List<LabAgreementDto>> LatestAgreementAsync(CancellationToken ct)
    {
        var latest = await db.LabRuns.AsNoTracking().Where(r => r.State == LabRunStates.Done)
            .GroupBy(r => r.KernelId).Select(g => g.Max(r => r.Id)).ToListAsync(ct);
        var rows = await db.LabRuns.AsNoTracking().Where(r => latest.Contains(r.Id))
            .Join(db.Kernels, r => r.KernelId, k => k.Id, (r, k) => new { r, k.Release, k.Arch }).ToListAsync(ct);
        return rows.OrderBy(x => x.r.KernelId).Select(x => new LabAgreementDto(x.r.KernelId, x.Release, x.Arch, x.r.Id, x.r.Cells, x.r.Agreed,
            x.r.Unknown, x.r.NotObserved, LabApi.Counts(x.r.DisagreementsJson), x.r.FinishedAt)).ToList();
    }
}
