using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CompatService.Api.Caching;
using CompatService.Api.Errors;
using CompatService.Api.Mapping;
using CompatService.Api.Options;
using CompatService.Contracts;
using CompatService.Data;
using CompatService.Data.Entities;
using CompatService.Engine;
using CompatService.Engine.Analysis.Rules;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using Microsoft.Extensions.Options;
using Npgsql;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;
using static CompatService.Reporting.ContractMapping;
using Phase = CompatService.Api.Caching.MatrixProfile.Phase;

namespace CompatService.Api.Matrix;

/// <summary>
/// Computes and stores matrix cells, by kernel and in batches: the kernel is opened once (from the size-bounded
/// cache) for every object of the batch, and the batch's cells are written in one INSERT of unnest()ed arrays.
/// Every verdict comes from CompatEngine.Check; this class only names the results (the engine returns them in the
/// object's program order) and stores them idempotently under (object sha256, kernel sha256, engine version).
/// One bad pair never stops a batch: an object over its job budget (Compat:Budget:JobWork / JobSeconds), or one the engine
/// fails on (even one it can no longer read), gets an unknown cell with the reason (analysis-budget-exceeded /
/// analysis-failed) and the batch goes on.
/// </summary>
public sealed class CellComputer(CompatDbContext db, EngineCache cache, IOptions<CompatOptions> options, ILogger<CellComputer> log)
{
    public static string EngineVersion => CompatEngine.Version;

    /// <summary>
    /// The engine's results for every program, named. The kernel label is the kernel's id. An analysis over
    /// <paramref name="budget"/> or failing in the engine gives every program an unknown result naming why (see
    /// <see cref="AnalysisAbortedRule"/>); only cancellation escapes.
    /// </summary>
    public static List<ProgramResultWithName> Evaluate(BpfObject obj, KernelBtfSet kernel, string kernelLabel, AnalysisBudget budget)
    {
        IReadOnlyList<ProgramResult> results;
        try
        {
            results = CompatEngine.Check(obj, kernel, kernelLabel, budget).ToContract();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Aborted(obj.Programs.Select(p => p.Name), kernelLabel, e);
        }
        if (results.Count != obj.Programs.Count)
            throw new InvalidOperationException($"engine returned {results.Count} results for {obj.Programs.Count} programs");
        return obj.Programs.Zip(results, (p, r) => new ProgramResultWithName(p.Name, r)).ToList();
    }

    /// <summary>Every program unknown because the analysis of the pair stopped with <paramref name="error"/>.</summary>
    public static List<ProgramResultWithName> Aborted(IEnumerable<string> programs, string kernelLabel, Exception error) =>
        programs.Select(n => new ProgramResultWithName(n, AnalysisAbortedRule.Unknown(kernelLabel, error).ToContract())).ToList();

    public static Verdict Worst(IEnumerable<ProgramResult> results) =>
        results.Select(r => r.Verdict).DefaultIfEmpty(Verdict.Loads)
            .Aggregate((a, b) => a == Verdict.Fails || b == Verdict.Fails ? Verdict.Fails
                : a == Verdict.Unknown || b == Verdict.Unknown ? Verdict.Unknown : Verdict.Loads);

    public static IReadOnlyList<ProgramResultWithName> Results(MatrixCellEntity c) =>
        JsonSerializer.Deserialize<List<ProgramResultWithName>>(c.ResultsJson, ContractJson.Options) ?? [];

    /// <summary>
    /// One batch of a leased kernel: the objects (at most <paramref name="max"/>) lacking a current cell on it, computed
    /// and stored. More is true when objects remain for another batch. A kernel with nothing missing is not opened.
    /// Batches are split by need (issue 13): when the kernel's stored surface decides some of the missing objects, this
    /// batch computes only those and Deferred is true, so the surface-only work never opens the full BTF; the objects that
    /// need it (CO-RE, struct_ops, names the surface cannot settle) are the next batch's, which then holds nothing else and
    /// opens the full kernel once for all of them.
    /// </summary>
    public async Task<(int Cells, bool More, bool Deferred)> ComputeForKernelAsync(long kernelId, int max, CancellationToken ct)
    {
        var t = Stopwatch.GetTimestamp();
        var k = await db.Kernels.AsNoTracking().Include(x => x.Modules).SingleOrDefaultAsync(x => x.Id == kernelId, ct);
        if (k is null) return (0, false, false);
        var v = EngineVersion;
        var missing = await db.Objects.AsNoTracking()
            // by ids: one range of the (kernel_id, engine_version) index instead of a probe of the sha256 key per object
            // (a kernel's and an object's sha256 are unique, their cells go with them: the same cells either way)
            .Where(o => !db.MatrixCells.Any(c => c.KernelId == k.Id && c.ObjectId == o.Id && c.EngineVersion == v))
            .OrderBy(o => o.Id).Take(max + 1).ToListAsync(ct);
        MatrixProfile.Add(Phase.Missing, Stopwatch.GetTimestamp() - t);
        var batch = missing.Count > max ? missing.GetRange(0, max) : missing;
        var (cells, deferred) = await ComputeBatchAsync(k, batch, deferFull: true, ct);
        return (cells.Count, missing.Count > max || deferred > 0, deferred > 0);
    }

    /// <summary>
    /// The cells of <paramref name="objects"/> on one kernel: from the kernel's stored surface where it decides the object,
    /// else from the full kernel opened once for the batch; the cells written in one statement.
    /// </summary>
    public async Task<List<MatrixCellEntity>> ComputeBatchAsync(KernelEntity k, IReadOnlyList<ObjectEntity> objects, CancellationToken ct) =>
        (await ComputeBatchAsync(k, objects, deferFull: false, ct)).Cells;

    /// <summary>
    /// As above; with <paramref name="deferFull"/>, when the surface decides at least one object, the objects that need the
    /// full kernel are left out (not computed, not stored) and counted in Deferred.
    /// </summary>
    private async Task<(List<MatrixCellEntity> Cells, int Deferred)> ComputeBatchAsync(KernelEntity k, IReadOnlyList<ObjectEntity> objects,
        bool deferFull, CancellationToken ct)
    {
        if (objects.Count == 0) return ([], 0);
        var surface = await cache.SurfaceAsync(db, k, ct);
        KernelBtfSet? full = null;
        async Task<KernelBtfSet> Full(SurfaceJudge judge)
        {
            if (full is not null) return full;
            full = await cache.KernelAsync(db, k, ct);
            var s = Stopwatch.GetTimestamp();
            await CoreShapeStore.SaveAsync(db, k, full, judge.Roots, ct); // later CO-RE objects with these roots skip the full kernel
            MatrixProfile.Add(Phase.ShapeBuild, Stopwatch.GetTimestamp() - s);
            return full;
        }
        var t = Stopwatch.GetTimestamp();
        var parsed = new List<(BpfObject? Object, Exception? Error)>(objects.Count);
        foreach (var o in objects)
        {
            try { parsed.Add((await cache.ObjectAsync(db, o.Sha256, ct), null)); }
            catch (Exception e) when (e is not OperationCanceledException && !ProblemHandling.IsDatabaseOutage(e)) { parsed.Add((null, e)); }
        }
        var judge = await SurfaceJudge.ForAsync(db, cache, k, surface, parsed.Select(p => p.Object), ct);
        MatrixProfile.Add(Phase.ObjectLoad, Stopwatch.GetTimestamp() - t);
        var deferred = 0;
        if (deferFull)
        {
            // an unreadable object needs no kernel at all (its cell is unknown): it goes with the surface's
            var decided = parsed.Select(p => p.Object is null || judge.Decides(p.Object)).ToList();
            if (decided.Contains(true) && decided.Contains(false))
            {
                deferred = decided.Count(d => !d);
                objects = objects.Where((_, i) => decided[i]).ToList();
                parsed = parsed.Where((_, i) => decided[i]).ToList();
            }
        }

        var label = k.Id.ToString(CultureInfo.InvariantCulture);
        var v = EngineVersion;
        var cells = new List<MatrixCellEntity>(objects.Count);
        long check = 0, serialize = 0;
        int fromSurface = 0, fromShapes = 0;
        for (var i = 0; i < objects.Count; i++)
        {
            var (obj, error) = parsed[i];
            // Objects without CO-RE (and without anything else only the full BTF has) are judged on the stored surface, CO-RE
            // ones whose roots have stored shapes on the surface plus those; the others open the full kernel once for the batch.
            KernelBtfSet? kernel = null;
            if (obj is not null && judge.KernelFor(obj, out var shaped) is { } light) { kernel = light; fromSurface++; fromShapes += shaped ? 1 : 0; }
            else if (obj is not null) kernel = await Full(judge);
            var t0 = Stopwatch.GetTimestamp();
            var named = obj is not null ? Evaluate(obj, kernel!, label, options.Value.Budget.ForJob(ct))
                : Aborted(await ProgramNamesAsync(objects[i].Id, ct), label, error!);
            var t1 = Stopwatch.GetTimestamp();
            var aborted = named.SelectMany(n => n.Result.Reasons).FirstOrDefault(r => RuleCatalog.Aborted.Codes.Any(c => c.Code == r.Code));
            if (aborted is not null || error is not null)
                log.LogWarning("object {Object} on kernel {Kernel}: unknown ({Code}): {Message}", objects[i].Id, k.Id,
                    aborted?.Code ?? ReasonCodes.AnalysisFailed, aborted?.Message ?? error?.Message);
            cells.Add(new MatrixCellEntity
            {
                ObjectId = objects[i].Id, KernelId = k.Id, ObjectSha256 = objects[i].Sha256, KernelSha256 = k.Sha256, EngineVersion = v,
                // An object that could not be read at all has no program to carry the reason: its cell is unknown regardless.
                Verdict = (error is not null ? Verdict.Unknown : Worst(named.Select(n => n.Result))).Wire(),
                ResultsJson = JsonSerializer.Serialize(named, ContractJson.Options),
                ReasonCodesJson = JsonSerializer.Serialize(
                    named.SelectMany(n => n.Result.Reasons).Select(r => r.Code).Append(error is null ? null : ReasonCodes.AnalysisFailed).OfType<string>().Distinct()),
                DisabledPathCount = named.Sum(n => n.Result.DisabledPaths.Count),
                ComputedAt = DateTimeOffset.UtcNow,
            });
            check += t1 - t0;
            serialize += Stopwatch.GetTimestamp() - t1;
        }
        MatrixProfile.Add(Phase.Check, check);
        MatrixProfile.Add(Phase.Serialize, serialize);
        t = Stopwatch.GetTimestamp();
        await WriteAsync(cells, ct);
        MatrixProfile.Add(Phase.Write, Stopwatch.GetTimestamp() - t);
        MatrixProfile.Batch(cells.Count);
        MatrixProfile.SurfaceCells(fromSurface);
        MatrixProfile.ShapeCells(fromShapes);
        return (cells, deferred);
    }

    private Task<List<string>> ProgramNamesAsync(long objectId, CancellationToken ct) =>
        db.ObjectPrograms.AsNoTracking().Where(p => p.ObjectId == objectId).OrderBy(p => p.Ordinal).Select(p => p.Name).ToListAsync(ct);

    /// <summary>The batch in one statement (<see cref="CellWriter"/>); a cell stored meanwhile (an expired lease) is kept.</summary>
    private async Task WriteAsync(List<MatrixCellEntity> cells, CancellationToken ct)
    {
        if (cells.Count == 0) return;
        var conn = (NpgsqlConnection)db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await CellWriter.WriteAsync(conn, db.Database.CurrentTransaction is not null, cells, ct);
    }

    /// <summary>
    /// The current engine's cells for every pair of <paramref name="objects"/> × <paramref name="kernels"/>, computing
    /// the missing ones now, one batch per kernel (lazy recompute after an engine upgrade, or before a worker got there).
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
        foreach (var k in kernels)
        {
            var missing = objects.Where(o => !map.ContainsKey((o.Id, k.Id))).ToList();
            foreach (var c in await ComputeBatchAsync(k, missing, ct)) map[(c.ObjectId, c.KernelId)] = c;
        }
        return map;
    }
}
