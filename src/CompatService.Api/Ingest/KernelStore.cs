using CompatService.Api.Caching;
using CompatService.Engine;
using CompatService.Engine.Kernels;
using CompatService.Engine.Kernels.Surface;

namespace CompatService.Api.Ingest;

/// <summary>
/// Kernel ingest: bytes → <see cref="IKernelInputReader"/> → KernelSource.Open → blobs, kernel row, symbol index
/// and a matrix job, in one transaction. Identity is the sha256 of the raw vmlinux BTF: the same kernel again (in any
/// form) answers the existing row. Concurrent identical uploads race on the unique index, not on a process lock.
/// </summary>
public sealed class KernelStore(CompatDbContext db, IKernelInputReader reader, EngineCache cache, JobSignal signal,
    KernelNaming naming, IOptions<CompatOptions> options, ILogger<KernelStore> log)
{
    public sealed record Result(KernelEntity Kernel, bool Created);

    public async Task<Result> IngestAsync(byte[] upload, string? fileName, KernelUploadMeta meta, CancellationToken ct)
    {
        var uploadSha = Sha.Hex(upload);
        if (await FindAsync(k => k.UploadSha256 == uploadSha || k.Sha256 == uploadSha, ct) is { } same)
        {
            await KernelImageStore.KeepAsync(db, same.Id, upload, fileName, ct);
            await naming.FillAsync(same.Id, Said(meta), ct);
            return new Result(await AttachConfigAsync(await FindAsync(k => k.Id == same.Id, ct) ?? same, meta.Config, ct), false);
        }

        var input = reader.Read(upload, fileName, options.Value.MaxDecompressedBytes);
        var r = await IngestInputAsync(input, uploadSha, upload.LongLength, fileName, meta, ct);
        await KernelImageStore.KeepAsync(db, r.Kernel.Id, upload, fileName, ct);
        return r;
    }

    /// <summary>Stores an already unpacked kernel (the directory importer builds these from corpus layouts).</summary>
    public async Task<Result> IngestInputAsync(KernelSource input, string uploadSha, long uploadSize, string? fileName,
        KernelUploadMeta meta, CancellationToken ct)
    {
        var release = meta.Release ?? input.Release;
        var config = meta.Config ?? input.Config;
        var set = (input with { Release = release, Config = config }).Open(options.Value.Budget.ForRequest(ct));
        if (await FindAsync(k => k.Sha256 == set.BtfSha256, ct) is { } existing)
        {
            // The same kernel in a richer form (a vmlinuz or package after its raw BTF): fill what the row lacks.
            await naming.FillAsync(existing.Id, Said(meta) with
            {
                Release = release, Arch = meta.Arch ?? input.Arch, Distro = meta.Distro ?? input.Distro,
                Flavour = meta.Flavour ?? input.Flavour, KfuncFlags = input.KfuncFlags,
            }, ct);
            var refreshed = await AttachKallsymsAsync(await FindAsync(k => k.Id == existing.Id, ct) ?? existing, input.KallsymsNow(), ct);
            return new Result(await AttachConfigAsync(refreshed, config, ct), false);
        }
        var kallsyms = input.KallsymsNow()?.Serialize();

        var index = KernelSymbolIndexer.Build(set);
        var surface = KernelSurface.Of(set);
        var now = DateTimeOffset.UtcNow;
        var kernel = new KernelEntity
        {
            Sha256 = set.BtfSha256,
            Release = release,
            Arch = meta.Arch ?? input.Arch ?? KernelIdentity.InferArch(set.Vmlinux),
            ReleaseBound = KernelIdentity.Bound(set)?.ToString(),
            Flavour = meta.Flavour ?? input.Flavour ?? FlavourOf(release),
            Distro = meta.Distro ?? input.Distro,
            LabelsJson = Labels.ToJson(meta.Labels ?? new Dictionary<string, string>()),
            Source = $"{input.Form}:{meta.Source ?? fileName ?? "upload"}",
            UploadSha256 = uploadSha,
            UploadSize = uploadSize,
            HasConfig = config is not null,
            KfuncFlagsJson = input.KfuncFlags is null ? null : JsonSerializer.Serialize(input.KfuncFlags),
            KallsymsSha256 = kallsyms is null ? null : Sha.Hex(kallsyms),
            HasKfuncTags = set.HasKfuncTags,
            HasKfuncFlags = input.KfuncFlags is not null,
            TypeCount = index.TypeCount,
            FunctionCount = index.FunctionCount,
            KfuncCount = index.KfuncCount,
            CreatedAt = now,
            Modules = set.Modules.Select((m, i) => new KernelModuleEntity
            {
                Name = m.Name, BlobSha256 = Sha.Hex(m.Spec.RawBytes.Span), Ordinal = i, CreatedAt = now,
            }).ToList(),
        };

        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await BlobWriter.KernelBlobAsync(db, kernel.Sha256, set.Vmlinux.RawBytes, ct);
            if (kallsyms is not null) await BlobWriter.KernelBlobAsync(db, kernel.KallsymsSha256!, kallsyms, ct);
            foreach (var (m, e) in set.Modules.Zip(kernel.Modules))
                await BlobWriter.KernelBlobAsync(db, e.BlobSha256, m.Spec.RawBytes, ct);
            db.Kernels.Add(kernel);
            await db.SaveChangesAsync(ct);
            if (config is not null) db.KernelConfigs.Add(new KernelConfigEntity { KernelId = kernel.Id, Text = config });
            db.KernelSurfaces.Add(KernelSurfaceStore.Row(kernel, surface, now));
            foreach (var s in index.Symbols) s.KernelId = kernel.Id;
            db.KernelSymbols.AddRange(index.Symbols);
            JobQueue.Enqueue(db, JobKinds.Kernel, kernel.Id);
            await db.SaveChangesAsync(ct);
            await CoreShapeStore.SaveKnownAsync(db, kernel, set, ct); // objects with a known CO-RE root need not open this kernel
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            db.ChangeTracker.Clear();
            var winner = await FindAsync(k => k.Sha256 == set.BtfSha256, ct)
                ?? throw new InvalidOperationException("unique violation on kernels but no row found", e);
            return new Result(winner, false);
        }
        cache.Remember(kernel, set);
        cache.Remember(kernel, surface);
        signal.Notify();
        log.LogInformation("kernel {Id} {Release} {Arch} stored from {Form}: {Kfuncs} kfuncs, {Modules} modules",
            kernel.Id, kernel.Release, kernel.Arch, input.Form, kernel.KfuncCount, kernel.Modules.Count);
        return new Result(kernel, true);
    }

    /// <summary>
    /// The same kernel again, now with a config it did not have (e.g. an agent's upload with /proc/config.gz after a raw
    /// BTF upload): the config is stored and the kernel's cells are recomputed, since kconfig externs and the kallsyms
    /// rule depend on it. A kernel that has a config keeps it.
    /// </summary>
    private async Task<KernelEntity> AttachConfigAsync(KernelEntity kernel, string? config, CancellationToken ct)
    {
        if (config is null || kernel.HasConfig) return kernel;
        return await AttachAsync(kernel, config, ct);
    }

    /// <summary>
    /// The same kernel again, now from its image or package after a raw-BTF upload: its kallsyms (compact, names and
    /// types) are stored and its cells recomputed, since typeless and typed ksyms depend on them. Kept once known.
    /// </summary>
    private async Task<KernelEntity> AttachKallsymsAsync(KernelEntity kernel, KallsymsTable? kallsyms, CancellationToken ct)
    {
        if (kallsyms is null || kernel.KallsymsSha256 is not null) return kernel;
        var bytes = kallsyms.Serialize();
        var sha = Sha.Hex(bytes);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await BlobWriter.KernelBlobAsync(db, sha, bytes, ct);
            var updated = await db.Kernels.Where(k => k.Id == kernel.Id && k.KallsymsSha256 == null)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.KallsymsSha256, sha), ct);
            if (updated > 0)
            {
                await db.MatrixCells.Where(c => c.KernelId == kernel.Id).ExecuteDeleteAsync(ct);
                JobQueue.Enqueue(db, JobKinds.Kernel, kernel.Id);
                await db.SaveChangesAsync(ct);
            }
            await tx.CommitAsync(ct);
        }
        signal.Notify();
        log.LogInformation("kernel {Id} {Release}: kallsyms attached ({Count} names), cells recomputed", kernel.Id, kernel.Release, kallsyms.Count);
        return await FindAsync(k => k.Id == kernel.Id, ct) ?? kernel;
    }

    /// <summary>
    /// POST /api/kernels/{id}/config: null when the kernel does not exist; Created false when this very config was
    /// already stored; 409 when a different one is (a kernel's config is fixed once known, like its modules).
    /// </summary>
    public async Task<Result?> AddConfigAsync(long kernelId, string config, CancellationToken ct)
    {
        var kernel = await FindAsync(k => k.Id == kernelId, ct);
        if (kernel is null) return null;
        if (kernel.HasConfig)
        {
            var stored = await db.KernelConfigs.AsNoTracking().Where(c => c.KernelId == kernelId).Select(c => c.Text).SingleOrDefaultAsync(ct);
            if (stored == config) return new Result(kernel, false);
            throw new Errors.ApiProblemException(409, "config exists",
                $"kernel {kernelId} already has a different config; delete the kernel to replace it");
        }
        return new Result(await AttachAsync(kernel, config, ct), true);
    }

    private async Task<KernelEntity> AttachAsync(KernelEntity kernel, string config, CancellationToken ct)
    {
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            db.KernelConfigs.Add(new KernelConfigEntity { KernelId = kernel.Id, Text = config });
            await db.SaveChangesAsync(ct);
            await db.Kernels.Where(k => k.Id == kernel.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.HasConfig, true), ct);
            await db.MatrixCells.Where(c => c.KernelId == kernel.Id).ExecuteDeleteAsync(ct);
            JobQueue.Enqueue(db, JobKinds.Kernel, kernel.Id);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
            log.LogInformation("kernel {Id} {Release}: config attached, cells recomputed", kernel.Id, kernel.Release);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            db.ChangeTracker.Clear(); // a concurrent upload attached one first
        }
        signal.Notify();
        return await FindAsync(k => k.Id == kernel.Id, ct) ?? kernel;
    }

    private static KernelNaming.Facts Said(KernelUploadMeta m) =>
        new(m.Release, m.Arch, m.Flavour, m.Distro, m.Labels?.ToDictionary(l => l.Key, l => (string?)l.Value, StringComparer.Ordinal));

    private Task<KernelEntity?> FindAsync(System.Linq.Expressions.Expression<Func<KernelEntity, bool>> where, CancellationToken ct) =>
        db.Kernels.AsNoTracking().Include(k => k.Modules).Where(where).OrderBy(k => k.Id).FirstOrDefaultAsync(ct);

    /// <summary>Debian flavour from a release such as 6.1.0-56-cloud-amd64 → "cloud-amd64"; 6.1.0-56-amd64 → "amd64".</summary>
    public static string? FlavourOf(string? release)
    {
        if (release is null) return null;
        var parts = release.Split('-');
        var i = Array.FindIndex(parts, p => p.Length > 0 && char.IsLetter(p[0]));
        return i < 1 ? null : string.Join('-', parts[i..]);
    }
}
