using CompatService.Engine.Kernels;
using CompatService.Engine.Kernels.Surface;

namespace CompatService.Api.Catalog;

/// <summary>
/// The stored kernels as the endpoints see them: selection, look-ups, config text, kfunc symbols, delete (with the
/// blobs only it used) and the engine's parsed kernel set. The one place the kernel endpoints reach the database.
/// </summary>
public sealed class KernelCatalog(CompatDbContext db, EngineCache cache)
{
    public Task<List<KernelEntity>> SelectAsync(MatrixFilter filter, CancellationToken ct) => Selection.KernelsAsync(db, filter, ct);

    public Task<KernelEntity?> FindAsync(long id, CancellationToken ct) =>
        db.Kernels.AsNoTracking().Include(k => k.Modules).SingleOrDefaultAsync(k => k.Id == id, ct);

    /// <summary>A kernel by the sha256 of its raw vmlinux BTF (what the agent knows of its host).</summary>
    public Task<KernelEntity?> FindByBtfShaAsync(string sha256, CancellationToken ct) =>
        db.Kernels.AsNoTracking().Include(k => k.Modules).SingleOrDefaultAsync(k => k.Sha256 == sha256, ct);

    public Task<long?> IdByBtfShaAsync(string sha256, CancellationToken ct) =>
        db.Kernels.Where(k => k.Sha256 == sha256).Select(k => (long?)k.Id).SingleOrDefaultAsync(ct);

    public Task<List<KernelEntity>> FindManyAsync(IReadOnlyCollection<long> ids, CancellationToken ct) =>
        db.Kernels.AsNoTracking().Include(k => k.Modules).Where(k => ids.Contains(k.Id)).ToListAsync(ct);

    public Task<bool> ExistsAsync(long id, CancellationToken ct) => db.Kernels.AnyAsync(k => k.Id == id, ct);

    public Task<bool> HasImageAsync(long id, CancellationToken ct) => db.KernelImages.AnyAsync(i => i.KernelId == id, ct);

    /// <summary>The kernel's stored .config text; Found is false for an unknown kernel.</summary>
    public async Task<(bool Found, string? Text)> ConfigAsync(long id, CancellationToken ct)
    {
        if (!await ExistsAsync(id, ct)) return (false, null);
        return (true, await db.KernelConfigs.AsNoTracking().Where(c => c.KernelId == id).Select(c => c.Text).SingleOrDefaultAsync(ct));
    }

    /// <summary>The kernel's kfunc/ksym symbols (kind func, var or all) by kind then name; null for an unknown kernel.</summary>
    public async Task<List<KernelSymbolEntity>?> SymbolsAsync(long id, string kind, CancellationToken ct)
    {
        if (!await ExistsAsync(id, ct)) return null;
        var q = db.KernelSymbols.AsNoTracking().Where(s => s.KernelId == id);
        if (kind != "all") q = q.Where(s => s.Kind == kind);
        return await q.OrderBy(s => s.Kind).ThenBy(s => s.Name).ToListAsync(ct);
    }

    /// <summary>One kfunc across every kernel: present or not, prototype, tagged, flags, module.</summary>
    public async Task<KfuncHistoryDto> KfuncHistoryAsync(string name, CancellationToken ct)
    {
        var kernels = await db.Kernels.AsNoTracking().OrderBy(k => k.Id)
            .Select(k => new { k.Id, k.Release, k.Arch, k.Flavour, k.Distro, k.Sha256 }).ToListAsync(ct);
        var rows = await db.KernelSymbols.AsNoTracking().Where(s => s.Name == name && s.Kind == "func").ToListAsync(ct);
        var byKernel = rows.GroupBy(r => r.KernelId).ToDictionary(g => g.Key, g => g.First());
        var presence = kernels.Select(k => byKernel.TryGetValue(k.Id, out var s)
            ? new KfuncPresence(k.Id, k.Release, k.Arch, k.Flavour, k.Distro, true, s.Prototype, s.Tagged, (uint?)s.Flags, s.Module, k.Sha256)
            : new KfuncPresence(k.Id, k.Release, k.Arch, k.Flavour, k.Distro, false, null, false, null, null, k.Sha256)).ToList();
        return new KfuncHistoryDto(name, presence);
    }

    /// <summary>Deletes the kernel and the blobs no other kernel or module uses; false for an unknown kernel.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken ct)
    {
        var k = await db.Kernels.Include(x => x.Modules).SingleOrDefaultAsync(x => x.Id == id, ct);
        if (k is null) return false;
        var blobs = k.Modules.Select(m => m.BlobSha256).Append(k.Sha256).Concat(k.KallsymsSha256 is { } ks ? [ks] : []).Distinct().ToList();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Kernels.Remove(k);
        await db.SaveChangesAsync(ct);
        await db.KernelBlobs
            .Where(b => blobs.Contains(b.Sha256)
                        && !db.Kernels.Any(x => x.Sha256 == b.Sha256)
                        && !db.KernelModules.Any(m => m.BlobSha256 == b.Sha256)
                        && !db.Kernels.Any(x => x.KallsymsSha256 == b.Sha256))
            .ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The engine's parsed kernel set for a stored kernel (cached).</summary>
    public Task<KernelBtfSet> EngineKernelAsync(KernelEntity kernel, CancellationToken ct) => cache.KernelAsync(db, kernel, ct);

    /// <summary>The kernel's stored compact surface (enums, kfunc prototypes, config, ...), built and stored on first use for old rows.</summary>
    public Task<KernelSurface> SurfaceAsync(KernelEntity kernel, CancellationToken ct) => cache.SurfaceAsync(db, kernel, ct);

    /// <summary>The kernel to check <paramref name="obj"/> on: the stored surface when it decides the object, else the full kernel.</summary>
    public async Task<KernelBtfSet> CheckKernelAsync(KernelEntity kernel, Engine.Object.BpfObject obj, CancellationToken ct)
    {
        var surface = await SurfaceAsync(kernel, ct);
        return surface.Decides(obj) ? surface.Kernel : await EngineKernelAsync(kernel, ct);
    }
}
