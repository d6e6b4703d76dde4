using CompatService.Engine;
using static CompatService.Reporting.ContractMapping;

namespace CompatService.Api.Ingest;

/// <summary>Object ingest: bytes → CompatEngine.OpenObject + Inspect → blob, object, programs, requirements, a matrix job.</summary>
public sealed class ObjectStore(CompatDbContext db, EngineCache cache, JobSignal signal, IOptions<CompatOptions> options, ILogger<ObjectStore> log)
{
    public sealed record Result(ObjectEntity Object, bool Created);

    public async Task<Result> IngestAsync(byte[] bytes, string? name, IReadOnlyDictionary<string, string>? labels, CancellationToken ct)
    {
        var sha = Sha.Hex(bytes);
        if (await FindAsync(sha, ct) is { } same) return new Result(same, false);

        // Bounded before anything is written: over the request budget this throws (422 "too complex to analyse"), nothing stored.
        var budget = options.Value.Budget.ForRequest(ct);
        var obj = CompatEngine.OpenObject(bytes, budget);
        var summary = CompatEngine.Inspect(obj, budget).ToContract();
        var entity = ToEntity(sha, name ?? sha[..12] + ".bpf.o", labels, bytes.LongLength, summary);
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await BlobWriter.ObjectBlobAsync(db, sha, bytes, ct);
            db.Objects.Add(entity);
            await db.SaveChangesAsync(ct);
            JobQueue.Enqueue(db, JobKinds.Object, entity.Id);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            db.ChangeTracker.Clear();
            return new Result(await FindAsync(sha, ct) ?? throw new InvalidOperationException("unique violation on objects but no row found", e), false);
        }
        cache.Remember(sha, obj);
        signal.Notify();
        log.LogInformation("object {Id} {Name} stored: {Programs} programs", entity.Id, entity.Name, entity.Programs.Count);
        return new Result(entity, true);
    }

    public Task<ObjectEntity?> FindAsync(string sha, CancellationToken ct) =>
        db.Objects.AsNoTracking().Include(o => o.Programs).ThenInclude(p => p.Requirements)
            .AsSplitQuery().SingleOrDefaultAsync(o => o.Sha256 == sha, ct);

    public static ObjectEntity ToEntity(string sha, string name, IReadOnlyDictionary<string, string>? labels, long size, ObjectSummary s) => new()
    {
        Sha256 = sha,
        Name = name,
        LabelsJson = Labels.ToJson(labels ?? new Dictionary<string, string>()),
        Size = size,
        License = s.License,
        GplCompatible = s.GplCompatible,
        HasBtf = s.HasBtf,
        OpenErrorsJson = JsonSerializer.Serialize(s.OpenErrors),
        MapsJson = JsonSerializer.Serialize(s.Maps),
        CreatedAt = DateTimeOffset.UtcNow,
        Programs = s.Programs.Select((p, i) => new ObjectProgramEntity
        {
            Ordinal = i, Name = p.Name, Section = p.Section, Type = p.Type, AttachType = p.AttachType,
            AttachTarget = p.AttachTarget, AutoLoad = p.AutoLoad, Insns = p.Insns,
            HelpersJson = JsonSerializer.Serialize(p.Helpers),
            Requirements =
            [
                .. p.Kfuncs.Select(k => new ProgramRequirementEntity
                {
                    Kind = "kfunc", Name = k.Name, Weak = k.Weak, Guarded = k.ExistenceChecks.Count > 0,
                    Insns = [.. k.CallSites], ExistenceChecks = [.. k.ExistenceChecks],
                }),
                .. p.Ksyms.Select(k => new ProgramRequirementEntity
                {
                    Kind = "ksym", Name = k.Name, Weak = k.Weak, Typed = k.Typed, Insns = [.. k.Insns],
                }),
                .. p.Kconfig.Select(k => new ProgramRequirementEntity { Kind = "kconfig", Name = k }),
            ],
        }).ToList(),
    };
}
