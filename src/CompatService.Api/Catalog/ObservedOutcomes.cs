namespace CompatService.Api.Catalog;

/// <summary>What agents observed loading programs, stored beside the service's own prediction for the same cell.</summary>
public sealed class ObservedOutcomes(CompatDbContext db)
{
    /// <summary>Stores a (validated) agent report; the kernel is linked when its BTF sha256 is stored.</summary>
    public async Task<List<ObservedOutcomeDto>> RecordAsync(AgentReport report, string kernelBtfSha256, CancellationToken ct)
    {
        var kernelId = await db.Kernels.Where(k => k.Sha256 == kernelBtfSha256).Select(k => (long?)k.Id).SingleOrDefaultAsync(ct);
        var now = DateTimeOffset.UtcNow;
        var rows = report.Outcomes.Select(x => new ObservedOutcomeEntity
        {
            Host = report.Host.Trim(), KernelId = kernelId, KernelBtfSha256 = kernelBtfSha256, KernelRelease = report.KernelRelease,
            ObjectSha256 = x.ObjectSha256.ToLowerInvariant(), ObjectName = x.ObjectName, Program = x.Program,
            Predicted = x.Predicted.Wire(), Loaded = x.Loaded, Errno = x.Errno,
            VerifierTail = x.VerifierTail is { Length: > 8192 } t ? t[^8192..] : x.VerifierTail,
            ObservedAt = x.ObservedAt == default ? now : x.ObservedAt, ReceivedAt = now,
        }).ToList();
        db.ObservedOutcomes.AddRange(rows);
        await db.SaveChangesAsync(ct);
        return await WithPredictionsAsync(rows, ct);
    }

    /// <summary>Newest first, filtered by kernel / object sha256, source and host; at most <paramref name="limit"/> rows.</summary>
    public async Task<List<ObservedOutcomeDto>> ListAsync(string? kernelSha, string? objectSha, string? host, string? source, int limit,
        CancellationToken ct)
    {
        var q = db.ObservedOutcomes.AsNoTracking();
        if (kernelSha is not null) q = q.Where(o => o.KernelBtfSha256 == kernelSha);
        if (objectSha is not null) q = q.Where(o => o.ObjectSha256 == objectSha);
        if (source is { Length: > 0 }) q = q.Where(o => o.Source == source);
        if (host is { Length: > 0 }) q = q.Where(o => o.Host == host);
        var rows = await q.OrderByDescending(o => o.ObservedAt).ThenByDescending(o => o.Id).Take(limit).ToListAsync(ct);
        return await WithPredictionsAsync(rows, ct);
    }

    /// <summary>Puts the service's stored prediction (current engine) beside each outcome.</summary>
    private async Task<List<ObservedOutcomeDto>> WithPredictionsAsync(List<ObservedOutcomeEntity> rows, CancellationToken ct)
    {
        var v = CellComputer.EngineVersion;
        var kshas = rows.Select(r => r.KernelBtfSha256).Distinct().ToList();
        var oshas = rows.Select(r => r.ObjectSha256).Distinct().ToList();
        var cells = await db.MatrixCells.AsNoTracking()
            .Where(c => c.EngineVersion == v && kshas.Contains(c.KernelSha256) && oshas.Contains(c.ObjectSha256))
            .ToListAsync(ct);
        var results = cells.ToDictionary(c => (c.ObjectSha256, c.KernelSha256), CellComputer.Results);
        return rows.Select(r =>
        {
            Verdict? service = results.TryGetValue((r.ObjectSha256, r.KernelBtfSha256), out var list)
                ? list.FirstOrDefault(p => p.Name == r.Program)?.Result.Verdict : null;
            return r.ToDto(service);
        }).ToList();
    }
}
