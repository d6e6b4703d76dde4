using System.Text.Json;
using CompatService.Api.Caching;
using CompatService.Api.Mapping;
using CompatService.Contracts;
using CompatService.Data;
using CompatService.Data.Entities;
using CompatService.Engine;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Api.Matrix;

/// <summary>
/// Computes and stores matrix cells. Every verdict comes from CompatEngine.Check; this class only names the results
/// (the engine returns them in the object's program order) and stores them idempotently under
/// (object sha256, kernel sha256, engine version).
/// </summary>
public sealed class CellComputer(CompatDbContext db, EngineCache cache)
{
    public static string EngineVersion => CompatEngine.Version;

    /// <summary>The engine's results for every program, named. The kernel label is the kernel's id.</summary>
    public static List<ProgramResultWithName> Evaluate(BpfObject obj, KernelBtfSet kernel, string kernelLabel)
    {
        var results = CompatEngine.Check(obj, kernel, kernelLabel);
        if (results.Count != obj.Programs.Count)
            throw new InvalidOperationException($"engine returned {results.Count} results for {obj.Programs.Count} programs");
        return obj.Programs.Zip(results, (p, r) => new ProgramResultWithName(p.Name, r)).ToList();
    }

    public static Verdict Worst(IEnumerable<ProgramResult> results) =>
        results.Select(r => r.Verdict).DefaultIfEmpty(Verdict.Loads)
            .Aggregate((a, b) => a == Verdict.Fails || b == Verdict.Fails ? Verdict.Fails
                : a == Verdict.Unknown || b == Verdict.Unknown ? Verdict.Unknown : Verdict.Loads);

    public async Task<MatrixCellEntity> ComputeAsync(ObjectEntity o, KernelEntity k, CancellationToken ct)
    {
        var obj = await cache.ObjectAsync(db, o.Sha256, ct);
        var kernel = await cache.KernelAsync(db, k, ct);
        var named = Evaluate(obj, kernel, k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var cell = new MatrixCellEntity
        {
            ObjectId = o.Id, KernelId = k.Id, ObjectSha256 = o.Sha256, KernelSha256 = k.Sha256, EngineVersion = EngineVersion,
            Verdict = Worst(named.Select(n => n.Result)).Wire(),
            ResultsJson = JsonSerializer.Serialize(named, ContractJson.Options),
            ReasonCodesJson = JsonSerializer.Serialize(named.SelectMany(n => n.Result.Reasons).Select(r => r.Code).Distinct()),
            DisabledPathCount = named.Sum(n => n.Result.DisabledPaths.Count),
            ComputedAt = DateTimeOffset.UtcNow,
        };
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO matrix_cells (object_id, kernel_id, object_sha256, kernel_sha256, engine_version, verdict, results,
                                      reason_codes, disabled_path_count, computed_at)
            VALUES ({cell.ObjectId}, {cell.KernelId}, {cell.ObjectSha256}, {cell.KernelSha256}, {cell.EngineVersion},
                    {cell.Verdict}, {cell.ResultsJson}::jsonb, {cell.ReasonCodesJson}::jsonb, {cell.DisabledPathCount}, {cell.ComputedAt})
            ON CONFLICT (object_sha256, kernel_sha256, engine_version) DO NOTHING
            """, ct);
        return cell;
    }

    public static IReadOnlyList<ProgramResultWithName> Results(MatrixCellEntity c) =>
        JsonSerializer.Deserialize<List<ProgramResultWithName>>(c.ResultsJson, ContractJson.Options) ?? [];

    public async Task<int> ComputeForKernelAsync(long kernelId, CancellationToken ct)
    {
        var k = await db.Kernels.AsNoTracking().Include(x => x.Modules).SingleOrDefaultAsync(x => x.Id == kernelId, ct);
        if (k is null) return 0;
        var v = EngineVersion;
        var missing = await db.Objects.AsNoTracking()
            .Where(o => !db.MatrixCells.Any(c => c.ObjectSha256 == o.Sha256 && c.KernelSha256 == k.Sha256 && c.EngineVersion == v))
            .OrderBy(o => o.Id).ToListAsync(ct);
        foreach (var o in missing) await ComputeAsync(o, k, ct);
        return missing.Count;
    }

    public async Task<int> ComputeForObjectAsync(long objectId, CancellationToken ct)
    {
        var o = await db.Objects.AsNoTracking().SingleOrDefaultAsync(x => x.Id == objectId, ct);
        if (o is null) return 0;
        var v = EngineVersion;
        var missing = await db.Kernels.AsNoTracking().Include(x => x.Modules)
            .Where(k => !db.MatrixCells.Any(c => c.ObjectSha256 == o.Sha256 && c.KernelSha256 == k.Sha256 && c.EngineVersion == v))
            .OrderBy(k => k.Id).ToListAsync(ct);
        foreach (var k in missing) await ComputeAsync(o, k, ct);
        return missing.Count;
    }

    /// <summary>
    /// The current engine's cells for every pair of <paramref name="objects"/> × <paramref name="kernels"/>, computing
    /// the missing ones now (lazy recompute after an engine upgrade, or before the worker got there).
    /// </summary>
    public async Task<Dictionary<(long ObjectId, long KernelId), MatrixCellEntity>> EnsureAsync(
        IReadOnlyList<ObjectEntity> objects, IReadOnlyList<KernelEntity> kernels, CancellationToken ct)
    {
        var v = EngineVersion;
        var oids = objects.Select(o => o.Id).ToList();
        var kids = kernels.Select(k => k.Id).ToList();
        var cells = await db.MatrixCells.AsNoTracking()
            .Where(c => c.EngineVersion == v && oids.Contains(c.ObjectId) && kids.Contains(c.KernelId))
            .ToListAsync(ct);
        var map = cells.ToDictionary(c => (c.ObjectId, c.KernelId));
        foreach (var o in objects)
            foreach (var k in kernels)
                if (!map.ContainsKey((o.Id, k.Id)))
                    map[(o.Id, k.Id)] = await ComputeAsync(o, k, ct);
        return map;
    }
}
