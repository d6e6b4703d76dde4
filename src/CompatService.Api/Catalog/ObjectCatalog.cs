using CompatService.Engine.Object;

namespace CompatService.Api.Catalog;

/// <summary>The stored BPF objects as the endpoints see them: selection, look-ups, delete, the engine's parsed object.</summary>
public sealed class ObjectCatalog(CompatDbContext db, EngineCache cache)
{
    public Task<List<ObjectEntity>> SelectAsync(MatrixFilter filter, CancellationToken ct) => Selection.ObjectsAsync(db, filter, ct);

    /// <summary>The object with its programs and their requirements.</summary>
    public Task<ObjectEntity?> FindAsync(long id, CancellationToken ct) =>
        db.Objects.AsNoTracking().Include(o => o.Programs).ThenInclude(p => p.Requirements).AsSplitQuery()
            .SingleOrDefaultAsync(o => o.Id == id, ct);

    /// <summary>The object row alone (no programs).</summary>
    public Task<ObjectEntity?> FindRowAsync(long id, CancellationToken ct) => db.Objects.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);

    public Task<List<ObjectEntity>> FindByShasAsync(IReadOnlyCollection<string> sha256s, CancellationToken ct) =>
        db.Objects.AsNoTracking().Where(o => sha256s.Contains(o.Sha256)).ToListAsync(ct);

    public Task<bool> ExistsAsync(string sha256, CancellationToken ct) => db.Objects.AnyAsync(x => x.Sha256 == sha256, ct);

    /// <summary>Deletes the object and its blob when no other object row uses it; false for an unknown object.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken ct)
    {
        var obj = await db.Objects.SingleOrDefaultAsync(x => x.Id == id, ct);
        if (obj is null) return false;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        db.Objects.Remove(obj);
        await db.SaveChangesAsync(ct);
        await db.ObjectBlobs.Where(b => b.Sha256 == obj.Sha256 && !db.Objects.Any(x => x.Sha256 == b.Sha256)).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>The engine's parsed object for a stored sha256 (cached).</summary>
    public Task<BpfObject> EngineObjectAsync(string sha256, CancellationToken ct) => cache.ObjectAsync(db, sha256, ct);
}
