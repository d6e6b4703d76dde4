using System.Collections.Concurrent;
using System.Text.Json;
using CompatService.Api.Options;
using CompatService.Data;
using CompatService.Data.Entities;
using CompatService.Engine;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using Microsoft.Extensions.Options;

namespace CompatService.Api.Caching;

/// <summary>
/// Parsed kernels and objects kept in memory (bounded): CompatEngine.Check needs them parsed, and parsing a 5 MB
/// vmlinux BTF per request would dominate. Keyed by content (sha256 + module set), so a stale entry is never wrong.
/// </summary>
public sealed class EngineCache(IOptions<CompatOptions> options)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<KernelBtfSet>>> _kernels = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<BpfObject>>> _objects = new();

    public Task<KernelBtfSet> KernelAsync(CompatDbContext db, KernelEntity k, CancellationToken ct)
    {
        var key = Key(k);
        return Get(_kernels, key, options.Value.KernelCacheSize, () => LoadKernelAsync(db, k, ct));
    }

    public Task<BpfObject> ObjectAsync(CompatDbContext db, string sha256, CancellationToken ct) =>
        Get(_objects, sha256, options.Value.ObjectCacheSize, async () =>
        {
            var bytes = await db.ObjectBlobs.Where(b => b.Sha256 == sha256).Select(b => b.Data).SingleAsync(ct);
            return CompatEngine.OpenObject(bytes);
        });

    /// <summary>Adds a kernel parsed during ingest, so the first matrix job does not parse it again.</summary>
    public void Remember(KernelEntity k, KernelBtfSet set) =>
        _kernels.TryAdd(Key(k), new(Task.FromResult(set)));

    public void Remember(string objectSha256, BpfObject obj) => _objects.TryAdd(objectSha256, new(Task.FromResult(obj)));

    private static string Key(KernelEntity k) => $"{k.Sha256}/{k.Modules.Count}/{k.KfuncFlagsJson?.Length ?? 0}/{k.HasConfig}";

    private static async Task<KernelBtfSet> LoadKernelAsync(CompatDbContext db, KernelEntity k, CancellationToken ct)
    {
        var vmlinux = await db.KernelBlobs.Where(b => b.Sha256 == k.Sha256).Select(b => b.Data).SingleAsync(ct);
        var modules = await (from m in db.KernelModules
                             join b in db.KernelBlobs on m.BlobSha256 equals b.Sha256
                             where m.KernelId == k.Id
                             orderby m.Ordinal
                             select new { m.Name, b.Data }).ToListAsync(ct);
        var flags = k.KfuncFlagsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, uint>>(k.KfuncFlagsJson);
        var config = k.HasConfig
            ? await db.KernelConfigs.Where(x => x.KernelId == k.Id).Select(x => x.Text).SingleOrDefaultAsync(ct)
            : null;
        return new KernelSource(vmlinux, modules.Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Name, m.Data)).ToList(),
            "stored", k.Release, Config: config, KfuncFlags: flags).Open();
    }

    private static async Task<T> Get<T>(ConcurrentDictionary<string, Lazy<Task<T>>> cache, string key, int max, Func<Task<T>> load)
    {
        if (cache.Count >= max)
            foreach (var victim in cache.Keys.Take(Math.Max(1, cache.Count - max + 1)))
                cache.TryRemove(victim, out _);
        var lazy = cache.GetOrAdd(key, _ => new Lazy<Task<T>>(load));
        try
        {
            return await lazy.Value;
        }
        catch
        {
            cache.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, lazy));
            throw;
        }
    }
}
