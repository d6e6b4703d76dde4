using System.Buffers.Binary;
using CompatService.Data;
using CompatService.Data.Entities;
using CompatService.Engine.Kernels;
using CompatService.Engine.Kernels.Surface;
using CompatService.Engine.Object;
using Npgsql;

namespace CompatService.Api.Caching;

/// <summary>
/// Stored CO-RE shapes (issue 13): a kernel's shape of each root its CO-RE objects look up, computed where the full BTF is
/// open anyway and kept in PostgreSQL (kernel_core_shapes: one small row per kernel and root; core_slices: each distinct
/// slice once, by hash). With them a CO-RE object whose roots are all known on a kernel is judged on the kernel's surface
/// plus those slices (<see cref="KernelSurface.KernelWith"/>) and the full kernel is not opened.
/// </summary>
public static class CoreShapeStore
{
    /// <summary>This kernel's stored shapes of <paramref name="roots"/> (current format, current kernel key); slices from the cache or the database.</summary>
    public static async Task<Dictionary<CoreRoot, CoreShape>> LoadAsync(CompatDbContext db, EngineCache cache, KernelEntity k,
        IReadOnlyCollection<CoreRoot> roots, CancellationToken ct)
    {
        var found = new Dictionary<CoreRoot, CoreShape>();
        if (roots.Count == 0) return found;
        var keys = roots.Select(r => r.Key).ToList();
        var key = EngineCache.KernelKey(k);
        var rows = await db.KernelCoreShapes.AsNoTracking()
            .Where(s => s.KernelId == k.Id && keys.Contains(s.Root) && s.Format == CoreShape.FormatVersion && s.KernelKey == key && s.SliceHash != null)
            .Select(s => new { s.Root, s.SliceHash, s.KernelIds }).ToListAsync(ct);
        foreach (var row in rows)
        {
            var slice = await cache.SliceAsync(db, row.SliceHash!, ct);
            if (slice is null) continue;
            var ids = Ids(row.KernelIds!);
            if (ids.Length != slice.Spec.TypeCount + 1) continue;
            found[CoreRoot.Parse(row.Root)] = new CoreShape(CoreRoot.Parse(row.Root), slice, ids);
        }
        return found;
    }

    /// <summary>The roots of every object, and the ones whose relocations shapes cannot stand for (null roots) left out.</summary>
    public static HashSet<CoreRoot> RootsOf(IEnumerable<BpfObject?> objects) =>
        objects.OfType<BpfObject>().Select(CoreRoot.RootsOf).OfType<IReadOnlySet<CoreRoot>>().SelectMany(r => r).ToHashSet();

    /// <summary>
    /// Computes from the full kernel and stores its shapes of <paramref name="roots"/> and of every root already stored for
    /// another kernel (a later object with those roots then needs no full kernel here), except the ones it has.
    /// </summary>
    public static async Task SaveAsync(CompatDbContext db, KernelEntity k, KernelBtfSet full, IEnumerable<CoreRoot> roots, CancellationToken ct)
    {
        var key = EngineCache.KernelKey(k);
        var stored = await db.KernelCoreShapes.AsNoTracking()
            .Where(s => s.KernelId == k.Id && s.Format == CoreShape.FormatVersion && s.KernelKey == key).Select(s => s.Root).ToListAsync(ct);
        var wanted = roots.Concat(await KnownRootsAsync(db, ct)).Distinct().Where(r => !stored.Contains(r.Key)).ToList();
        if (wanted.Count > 0) await WriteAsync(db, k.Id, key, Compute(full, wanted), ct);
    }

    /// <summary>Stores a kernel being ingested's shapes of every root stored for some kernel (issue 13).</summary>
    public static async Task SaveKnownAsync(CompatDbContext db, KernelEntity k, KernelBtfSet full, CancellationToken ct)
    {
        if (await KnownRootsAsync(db, ct) is { Count: > 0 } roots) await WriteAsync(db, k.Id, EngineCache.KernelKey(k), Compute(full, roots), ct);
    }

    private static List<(CoreRoot Root, CoreShape? Shape)> Compute(KernelBtfSet full, IEnumerable<CoreRoot> roots) =>
        roots.Select(r => (r, CoreShape.Of(full, r))).ToList();

    /// <summary>Every root stored for some kernel (what ingest computes for a new kernel).</summary>
    private static async Task<List<CoreRoot>> KnownRootsAsync(CompatDbContext db, CancellationToken ct) =>
        (await db.KernelCoreShapes.AsNoTracking().Where(s => s.Format == CoreShape.FormatVersion).Select(s => s.Root).Distinct().ToListAsync(ct))
        .Select(CoreRoot.Parse).ToList();

    /// <summary>Upserts the slices (once per hash) and the kernel's rows, in one transaction of its own statements.</summary>
    private static async Task WriteAsync(CompatDbContext db, long kernelId, string kernelKey, IReadOnlyList<(CoreRoot Root, CoreShape? Shape)> shapes,
        CancellationToken ct)
    {
        var slices = shapes.Select(s => s.Shape?.Slice).OfType<CoreSlice>().DistinctBy(s => s.Hash).ToList();
        const string sql = """
            INSERT INTO core_slices (hash, data) SELECT * FROM unnest(@h, @d) ON CONFLICT (hash) DO NOTHING;
            INSERT INTO kernel_core_shapes (kernel_id, root, format, kernel_key, slice_hash, kernel_ids)
            SELECT @k, r, @f, @key, sh, ids FROM unnest(@r, @sh, @ids) AS t(r, sh, ids)
            ON CONFLICT (kernel_id, root) DO UPDATE SET format = excluded.format, kernel_key = excluded.kernel_key,
                slice_hash = excluded.slice_hash, kernel_ids = excluded.kernel_ids;
            """;
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(sql, conn);
        cmd.Parameters.AddWithValue("h", slices.Select(s => s.Hash).ToArray());
        cmd.Parameters.AddWithValue("d", slices.Select(s => s.Btf).ToArray());
        cmd.Parameters.AddWithValue("k", kernelId);
        cmd.Parameters.AddWithValue("f", CoreShape.FormatVersion);
        cmd.Parameters.AddWithValue("key", kernelKey);
        cmd.Parameters.AddWithValue("r", shapes.Select(s => s.Root.Key).ToArray());
        cmd.Parameters.AddWithValue("sh", shapes.Select(s => s.Shape?.Slice.Hash).ToArray());
        cmd.Parameters.AddWithValue("ids", shapes.Select(s => s.Shape is { } x ? Bytes(x.KernelIds) : null).ToArray());
        try { await cmd.ExecuteNonQueryAsync(ct); }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation) { } // the kernel was deleted meanwhile
    }

    private static byte[] Bytes(uint[] ids)
    {
        var b = new byte[ids.Length * 4];
        for (var i = 0; i < ids.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(i * 4), ids[i]);
        return b;
    }

    private static uint[] Ids(byte[] b)
    {
        var ids = new uint[b.Length / 4];
        for (var i = 0; i < ids.Length; i++) ids[i] = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(i * 4));
        return ids;
    }
}
