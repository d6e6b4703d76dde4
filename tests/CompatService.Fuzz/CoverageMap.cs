using System.Numerics;
using System.Runtime.InteropServices;

namespace CompatService.Fuzz;

/// <summary>
/// The coverage feedback of the campaign, as AFL and libFuzzer do it: a 64 KiB map of edge hit counts written by the
/// SharpFuzz-instrumented assemblies (<c>SharedMem[cur ^ prev]++</c>), classed into AFL's hit-count buckets after each
/// execution; an execution is interesting when some edge reaches a bucket never seen before.
/// </summary>
public sealed unsafe class CoverageMap : IDisposable
{
    public const int Size = 1 << 16;

    private readonly byte* _hits = (byte*)NativeMemory.AllocZeroed(Size);
    private readonly byte[] _virgin = new byte[Size]; // per edge: the buckets seen so far, one bit each

    /// <summary>The map the instrumented code writes to (<see cref="SharpFuzz.Common.Trace.SharedMem"/>).</summary>
    public byte* Hits => _hits;

    /// <summary>The hit counts of the current execution, for tests and for the instrumentation's view.</summary>
    public Span<byte> Current => new(_hits, Size);

    /// <summary>Clears the hit counts before an execution (AFL does the same per run).</summary>
    public void Reset()
    {
        Current.Clear();
        SharpFuzz.Common.Trace.PrevLocation = 0;
    }

    /// <summary>Merges this execution's hit counts; true when an edge reached a bucket never seen before.</summary>
    public bool MergeNew()
    {
        var words = (ulong*)_hits;
        var fresh = false;
        for (var w = 0; w < Size / 8; w++)
        {
            if (words[w] == 0) continue; // most of the map is untouched: skip eight edges at a time
            for (var b = w * 8; b < w * 8 + 8; b++)
            {
                if (_hits[b] == 0) continue;
                var bucket = Bucket(_hits[b]);
                if ((bucket & ~_virgin[b]) == 0) continue;
                _virgin[b] |= bucket;
                fresh = true;
            }
        }
        return fresh;
    }

    /// <summary>AFL's hit-count classes: 1, 2, 3, 4–7, 8–15, 16–31, 32–127, 128+ (one bit each).</summary>
    public static byte Bucket(byte hits) => hits switch
    {
        0 => 0, 1 => 1, 2 => 2, 3 => 4, <= 7 => 8, <= 15 => 16, <= 31 => 32, <= 127 => 64, _ => 128,
    };

    /// <summary>Edges ever hit (map entries with any bucket seen): the coverage a campaign reports.</summary>
    public int Edges => _virgin.Count(v => v != 0);

    /// <summary>Distinct edge/bucket pairs seen: what makes an input interesting.</summary>
    public int BucketsSeen => _virgin.Sum(v => BitOperations.PopCount(v));

    public void Dispose() => NativeMemory.Free(_hits);
}
