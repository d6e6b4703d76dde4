namespace CompatService.Api.Ingest;

/// <summary>
/// What is known about a kernel's identity after it was first stored: a repeated upload of a richer form of the same
/// kernel (the vmlinuz or package after a raw BTF) fills release / arch / flavour / distro and KF_* flags that were
/// missing and merges its labels; <c>PATCH /api/kernels/{id}</c> sets them. Whatever a verdict depends on (the release:
/// LINUX_KERNEL_VERSION, kernel-facts tables; the KF_* flags) recomputes the kernel's cells in the same transaction.
/// </summary>
public sealed class KernelNaming(CompatDbContext db, JobSignal signal, ILogger<KernelNaming> log)
{
    /// <summary>What an upload or a PATCH says. Null fields say nothing.</summary>
    public sealed record Facts(string? Release, string? Arch, string? Flavour, string? Distro,
        IReadOnlyDictionary<string, string?>? Labels, IReadOnlyDictionary<string, uint>? KfuncFlags = null);

    /// <summary>Fills what the kernel lacks (never overwrites what it has) and merges labels (the new value wins).</summary>
    public Task<KernelEntity?> FillAsync(long kernelId, Facts facts, CancellationToken ct) =>
        ApplyAsync(kernelId, facts, overwrite: false, ct);

    /// <summary>PATCH: sets every field given; labels merged, a null value removes that label.</summary>
    public Task<KernelEntity?> SetAsync(long kernelId, Facts facts, CancellationToken ct) =>
        ApplyAsync(kernelId, facts, overwrite: true, ct);

    private async Task<KernelEntity?> ApplyAsync(long kernelId, Facts f, bool overwrite, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var k = await db.Kernels.Include(x => x.Modules).SingleOrDefaultAsync(x => x.Id == kernelId, ct);
        if (k is null) return null;

        string? Pick(string? have, string? given) => given is null ? have : overwrite || have is null ? given : have;
        var release = Pick(k.Release, f.Release);
        var recompute = release != k.Release;
        k.Release = release;
        k.Arch = Pick(k.Arch, f.Arch);
        k.Distro = Pick(k.Distro, f.Distro);
        k.Flavour = Pick(k.Flavour, f.Flavour ?? (f.Release is not null && (overwrite || k.Flavour is null) ? KernelStore.FlavourOf(f.Release) : null));
        if (f.Labels is not null)
        {
            var labels = new Dictionary<string, string>(Labels.FromJson(k.LabelsJson), StringComparer.Ordinal);
            foreach (var (key, value) in f.Labels)
                if (value is null) labels.Remove(key);
                else labels[key] = value;
            k.LabelsJson = Labels.ToJson(labels);
        }
        if (f.KfuncFlags is not null && k.KfuncFlagsJson is null)
        {
            k.KfuncFlagsJson = JsonSerializer.Serialize(f.KfuncFlags);
            k.HasKfuncFlags = true;
            recompute = true;
        }
        if (!db.ChangeTracker.HasChanges()) return k;
        await db.SaveChangesAsync(ct);
        if (recompute)
        {
            await db.MatrixCells.Where(c => c.KernelId == k.Id).ExecuteDeleteAsync(ct);
            JobQueue.Enqueue(db, JobKinds.Kernel, k.Id);
            await db.SaveChangesAsync(ct);
        }
        await tx.CommitAsync(ct);
        if (recompute) signal.Notify();
        log.LogInformation("kernel {Id}: now {Release} {Arch} {Distro}{Recompute}", k.Id, k.Release, k.Arch, k.Distro,
            recompute ? ", cells recomputed" : "");
        return k;
    }
}
