using CompatService.Engine;
using CompatService.Engine.Kernels;
using CompatService.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>
/// A module's split BTF uploaded on its own against an existing kernel. The kernel's cells are recomputed (its
/// identity stays the vmlinux BTF sha256, but module kfuncs change verdicts).
/// </summary>
public sealed class ModuleStore(CompatDbContext db, EngineCache cache, JobSignal signal, IOptions<CompatOptions> options)
{
    public sealed record Result(KernelEntity Kernel, bool Created);

    public async Task<Result?> AddAsync(long kernelId, byte[] upload, string? name, string? fileName, CancellationToken ct)
    {
        var kernel = await db.Kernels.Include(k => k.Modules).SingleOrDefaultAsync(k => k.Id == kernelId, ct);
        if (kernel is null) return null;
        var raw = Compression.Detect(upload) == CompressionKind.Gzip
            ? Compression.Decompress(CompressionKind.Gzip, upload, options.Value.MaxDecompressedBytes, $"'{fileName}'")
            : upload;
        if (!KernelFormReader.IsBtf(raw))
            throw new UnprocessableInputException($"'{fileName}' is not module BTF (raw or gzip'd split BTF)");
        name ??= ModuleName(fileName)
            ?? throw new ApiProblemException(400, "bad request", "field 'name' (module name) is missing");
        var sha = Sha.Hex(raw);
        if (kernel.Modules.FirstOrDefault(m => m.Name == name) is { } present)
        {
            if (present.BlobSha256 == sha) return new Result(kernel, false);
            throw new ApiProblemException(409, "module exists", $"kernel {kernelId} already has a different module '{name}'; delete the kernel to replace it");
        }

        var baseSet = await cache.KernelAsync(db, kernel, ct);
        var modules = baseSet.Modules.Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Name, m.Spec.RawBytes)).ToList();
        modules.Add(new(name, raw));
        var set = KernelBtfReader.Open(baseSet.Vmlinux.RawBytes, modules, kernel.Release, baseSet.KfuncFlags, baseSet.Config,
            options.Value.Budget.ForRequest(ct), baseSet.Kallsyms);
        var added = set.Modules[^1];
        var index = KernelSymbolIndexer.Build(set);
        var existing = await db.KernelSymbols.Where(s => s.KernelId == kernelId).Select(s => new { s.Name, s.Kind }).ToListAsync(ct);
        var known = existing.Select(e => (e.Name, e.Kind)).ToHashSet();

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await BlobWriter.KernelBlobAsync(db, sha, added.Spec.RawBytes, ct);
        kernel.Modules.Add(new KernelModuleEntity
        {
            Name = name, BlobSha256 = sha, Ordinal = kernel.Modules.Count, CreatedAt = DateTimeOffset.UtcNow,
        });
        foreach (var s in index.Symbols.Where(s => s.Module == name && !known.Contains((s.Name, s.Kind))))
        {
            s.KernelId = kernelId;
            db.KernelSymbols.Add(s);
        }
        kernel.TypeCount = index.TypeCount;
        kernel.FunctionCount = index.FunctionCount;
        kernel.KfuncCount = index.KfuncCount;
        await db.SaveChangesAsync(ct);
        await db.MatrixCells.Where(c => c.KernelId == kernelId).ExecuteDeleteAsync(ct);
        JobQueue.Enqueue(db, JobKinds.Kernel, kernelId);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        cache.Remember(kernel, set);
        signal.Notify();
        return new Result(kernel, true);
    }

    /// <summary>"nf_conntrack.btf.gz" → "nf_conntrack".</summary>
    public static string? ModuleName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName)) return null;
        var n = Path.GetFileName(fileName);
        var dot = n.IndexOf('.');
        return dot > 0 ? n[..dot] : n;
    }
}
