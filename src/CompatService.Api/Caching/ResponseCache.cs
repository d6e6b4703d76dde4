using System.Collections.Concurrent;

namespace CompatService.Api.Caching;

/// <summary>
/// Serialized answers of read endpoints (matrix, agent verdicts) keyed by request + <see cref="DataGeneration"/>:
/// a hit is a copy of bytes; any write changes the generation and the next read rebuilds. Bounded; per process.
/// </summary>
public sealed class ResponseCache
{
    public sealed record Entry(string Generation, byte[] Body, string ContentType)
    {
        /// <summary>Response headers that go with the body (the matrix's X-Total-Kernels / X-Total-Objects).</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];
    }

    private const int MaxEntries = 512;
    private readonly ConcurrentDictionary<string, Entry> _entries = new();

    public Entry? Get(string key, string generation) =>
        _entries.TryGetValue(key, out var e) && e.Generation == generation ? e : null;

    public void Put(string key, Entry entry)
    {
        if (_entries.Count >= MaxEntries) _entries.Clear();
        _entries[key] = entry;
    }
}
