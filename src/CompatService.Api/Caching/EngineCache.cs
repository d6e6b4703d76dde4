using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using CompatService.Api.Options;
using CompatService.Data;
using CompatService.Data.Entities;
using CompatService.Engine;
using CompatService.Engine.Kernels;
using CompatService.Engine.Kernels.Surface;
using CompatService.Engine.Object;
using Microsoft.Extensions.Options;

namespace CompatService.Api.Caching;

/// <summary>
/// Parsed kernels and objects kept in memory (bounded): CompatEngine.Check needs them parsed, and parsing a 5 MB
/// vmlinux BTF per request would dominate. Keyed by content (sha256 + module set), so a stale entry is never wrong.
/// Kernels are bounded by size only (<c>Compat:KernelCacheMiB</c>, the raw BTF plus the parser's index), least recently
/// used out first: a fleet of 1000 kernels does not fit, and a parsed kernel is 2–8 MiB, so a count cap would evict long
/// before the memory budget is used.
/// </summary>
public sealed class EngineCache(IOptions<CompatOptions> options)
{
    private readonly BoundedCache<KernelBtfSet> _kernels = new(() => int.MaxValue,
        () => (long)options.Value.KernelCacheMiB << 20, SizeOf);
    private readonly BoundedCache<KernelSurface> _surfaces = new(() => int.MaxValue,
        () => (long)options.Value.KernelCacheMiB << 19, SizeOf);
    private readonly BoundedCache<CoreSlice> _slices = new(() => int.MaxValue,
        () => (long)options.Value.KernelCacheMiB << 18, s => s.Btf.Length * 3L);
    private readonly BoundedCache<BpfObject> _objects = new(() => options.Value.ObjectCacheSize, () => long.MaxValue, _ => 0);

    /// <summary>Kernels held now and their estimated bytes (the bounded-memory test and the fleet benchmark read it).</summary>
    public (int Count, long Bytes, long Evictions) KernelStats => _kernels.Stats;

    public Task<KernelBtfSet> KernelAsync(CompatDbContext db, KernelEntity k, CancellationToken ct) =>
        _kernels.GetAsync(Key(k), () => LoadKernelAsync(db, k, ct));

    public Task<BpfObject> ObjectAsync(CompatDbContext db, string sha256, CancellationToken ct) =>
        _objects.GetAsync(sha256, async () =>
        {
            var bytes = await db.ObjectBlobs.Where(b => b.Sha256 == sha256).Select(b => b.Data).SingleAsync(ct);
            // The upload's budget again: a stored object over it (the budget was lowered since) becomes unknown cells.
            return CompatEngine.OpenObject(bytes, options.Value.Budget.ForRequest(ct));
        });

    /// <summary>Adds a kernel parsed during ingest, so the first matrix job does not parse it again.</summary>
    public void Remember(KernelEntity k, KernelBtfSet set) => _kernels.Add(Key(k), set);

    public void Remember(string objectSha256, BpfObject obj) => _objects.Add(objectSha256, obj);

    /// <summary>
    /// The kernel's compact surface (issue 13 §2): read from kernel_surfaces, or — for a kernel stored before surfaces
    /// existed, or whose inputs (config, kallsyms, release, ...) or the surface format changed since — built from the full
    /// kernel once and stored, so old databases keep working.
    /// </summary>
    public Task<KernelSurface> SurfaceAsync(CompatDbContext db, KernelEntity k, CancellationToken ct) =>
        _surfaces.GetAsync(Key(k), () => LoadSurfaceAsync(db, k, ct));

    /// <summary>Adds a surface computed during ingest.</summary>
    /// <summary>A stored CO-RE slice by its hash (parsed once, shared by every kernel with that shape), or null when it is not stored.</summary>
    public async Task<CoreSlice?> SliceAsync(CompatDbContext db, string hash, CancellationToken ct)
    {
        try
        {
            return await _slices.GetAsync(hash, async () => new CoreSlice(
                await db.CoreSlices.Where(s => s.Hash == hash).Select(s => s.Data).SingleOrDefaultAsync(ct)
                ?? throw new KeyNotFoundException($"CO-RE slice {hash} is not stored")));
        }
        catch (KeyNotFoundException)
        {
            return null;
        }
    }

    public void Remember(KernelEntity k, KernelSurface surface) => _surfaces.Add(Key(k), surface);

    /// <summary>What a stored surface was computed from; a different key means the kernel changed and it is rebuilt.</summary>
    public static string KernelKey(KernelEntity k) => Key(k);

    /// <summary>Estimated resident size of a surface: its BTF with the parser's index, its filter and tables.</summary>
    public static long SizeOf(KernelSurface s) =>
        s.Btf.Length * 2L + s.Elsewhere.Bits.Length + s.KernelIds.Count * 4L + (s.Descriptor.Config?.Count ?? 0) * 64L + (s.Descriptor.KfuncFlags?.Count ?? 0) * 48L;

    private async Task<KernelSurface> LoadSurfaceAsync(CompatDbContext db, KernelEntity k, CancellationToken ct)
    {
        var t = Stopwatch.GetTimestamp();
        var key = Key(k);
        var stored = await db.KernelSurfaces.AsNoTracking().Where(s => s.KernelId == k.Id)
            .Select(s => new { s.Format, s.KernelKey, s.Data }).SingleOrDefaultAsync(ct);
        MatrixProfile.Add(MatrixProfile.Phase.SurfaceFetch, Stopwatch.GetTimestamp() - t);
        MatrixProfile.SurfaceLoaded();
        if (stored is not null && stored.Format == KernelSurface.FormatVersion && stored.KernelKey == key && KernelSurfaceCodec.IsCurrent(stored.Data))
            return KernelSurfaceCodec.Decode(stored.Data);
        var surface = KernelSurface.Of(await KernelAsync(db, k, ct));
        t = Stopwatch.GetTimestamp();
        await KernelSurfaceStore.SaveAsync(db, k.Id, key, surface, ct);
        MatrixProfile.Add(MatrixProfile.Phase.SurfaceBuild, Stopwatch.GetTimestamp() - t);
        return surface;
    }

    private static string Key(KernelEntity k) => $"{k.Sha256}/{k.Modules.Count}/{k.KfuncFlagsJson?.Length ?? 0}/{k.HasConfig}/{k.Release}/{k.KallsymsSha256 ?? "-"}";

    /// <summary>
    /// Estimated resident size of a parsed kernel: its raw BTF blobs (the parser keeps them) plus the name index and
    /// type offsets it builds (about a third of the blob, measured by scripts/bench-btf.sh "retained beyond the blob").
    /// </summary>
    public static long SizeOf(KernelBtfSet set)
    {
        long raw = set.Vmlinux.RawBytes.Length + set.Modules.Sum(m => (long)m.Spec.RawBytes.Length);
        return raw + raw / 3 + (set.Kallsyms?.SizeInBytes ?? 0);
    }

    private static async Task<KernelBtfSet> LoadKernelAsync(CompatDbContext db, KernelEntity k, CancellationToken ct)
    {
        var t = Stopwatch.GetTimestamp();
        var parts = await KernelBlobReader.ReadAsync(db, k, ct);
        var flags = k.KfuncFlagsJson is null ? null : JsonSerializer.Deserialize<Dictionary<string, uint>>(k.KfuncFlagsJson);
        var kallsyms = parts.Kallsyms is { } ks ? KallsymsTable.Parse(ks) : null;
        var fetched = Stopwatch.GetTimestamp();
        MatrixProfile.Add(MatrixProfile.Phase.KernelFetch, fetched - t);
        var set = new KernelSource(parts.Vmlinux, parts.Modules, "stored", k.Release, Config: parts.Config, KfuncFlags: flags,
            Kallsyms: kallsyms).Open();
        MatrixProfile.Add(MatrixProfile.Phase.KernelParse, Stopwatch.GetTimestamp() - fetched);
        MatrixProfile.KernelLoaded();
        return set;
    }
}

/// <summary>
/// A cache of lazily loaded values bounded by count and by an estimated byte size, least recently used out first.
/// Concurrent callers of one key share one load; a failed load is not kept.
/// </summary>
public sealed class BoundedCache<T>(Func<int> maxCount, Func<long> maxBytes, Func<T, long> sizeOf) where T : class
{
    private sealed class Entry(Lazy<Task<T>> value)
    {
        public Lazy<Task<T>> Value { get; } = value;
        public long Size;
        public long LastUse;
    }

    private readonly ConcurrentDictionary<string, Entry> _entries = new();
    private readonly object _gate = new();
    private long _bytes, _clock, _evictions;

    public (int Count, long Bytes, long Evictions) Stats
    {
        get { lock (_gate) return (_entries.Count, _bytes, _evictions); }
    }

    public async Task<T> GetAsync(string key, Func<Task<T>> load)
    {
        var entry = _entries.GetOrAdd(key, _ => new Entry(new Lazy<Task<T>>(load)));
        entry.LastUse = Interlocked.Increment(ref _clock);
        try
        {
            var value = await entry.Value.Value;
            Account(key, entry, value);
            return value;
        }
        catch
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(key, entry));
            throw;
        }
    }

    public void Add(string key, T value)
    {
        var entry = new Entry(new Lazy<Task<T>>(Task.FromResult(value))) { LastUse = Interlocked.Increment(ref _clock) };
        if (_entries.TryAdd(key, entry)) Account(key, entry, value);
    }

    /// <summary>Counts a loaded entry once, then evicts least recently used entries (never this one) until within bounds.</summary>
    private void Account(string key, Entry entry, T value)
    {
        lock (_gate)
        {
            if (entry.Size == 0 && _entries.TryGetValue(key, out var current) && ReferenceEquals(current, entry))
            {
                entry.Size = Math.Max(1, sizeOf(value));
                _bytes += entry.Size;
            }
            while ((_bytes > maxBytes() || _entries.Count > maxCount()) && _entries.Count > 1)
            {
                var victim = _entries.Where(e => !ReferenceEquals(e.Value, entry) && e.Value.Value.IsValueCreated && e.Value.Value.Value.IsCompleted)
                    .OrderBy(e => e.Value.LastUse).Select(e => (KeyValuePair<string, Entry>?)e).FirstOrDefault();
                if (victim is not { } v || !_entries.TryRemove(v)) break;
                _bytes -= v.Value.Size;
                _evictions++;
            }
        }
    }
}
