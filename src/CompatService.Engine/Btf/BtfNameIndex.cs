using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CompatService.Engine.Btf;

/// <summary>
/// Name → type index without materialising names: an open-addressing table of ints in buckets of eight. Each slot
/// holds (local type index + 1) in its low 21 bits and the top 11 bits of the name's hash as a tag, so a lookup
/// compares name bytes only for slots whose tag matches. Filled during the parse scan straight from the
/// NUL-terminated UTF-8 bytes of the string section (the NUL is found with one 32-byte vector compare).
/// </summary>
internal sealed class BtfNameIndex
{
    internal const int IndexBits = 21;
    internal const int MaxTypes = (1 << IndexBits) - 2;
    private const uint IndexMask = (1u << IndexBits) - 1;
    private const uint TagMask = ~IndexMask;
    private const ulong K1 = 0x9E3779B97F4A7C15UL;

    private const int BucketBits = 3, BucketSize = 1 << BucketBits;

    private readonly int[] _slots;
    private readonly int _bucketMask;
    private int _count;

    /// <summary>An empty table for about <paramref name="expected"/> names, load factor at most 3/4.</summary>
    public BtfNameIndex(int expected)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2 * BucketSize, expected + expected / 3 + 1));
        _slots = new int[size];
        _bucketMask = (size >> BucketBits) - 1;
    }

    public int SlotCount => _slots.Length;
    public int Count => _count;

    // Layout: buckets of 8 slots (32 bytes); a name goes to the first free slot of its home bucket (hash's low bits)
    // or of the buckets after it. A bucket with a free slot ends a lookup. Vector compares keep both branch-light.

    /// <summary>Adds a name; the caller checks <see cref="IsFull"/> first (slots keep only the hash's tag, so the table cannot rehash itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(uint hash, int local)
    {
        ref var s0 = ref MemoryMarshal.GetArrayDataReference(_slots);
        var b = (int)(hash & (uint)_bucketMask);
        var value = (int)((hash & TagMask) | (uint)(local + 1));
        while (true)
        {
            ref var bucket = ref Unsafe.Add(ref s0, b << BucketBits);
            var free = FreeLanes(ref bucket);
            if (free != 0)
            {
                Unsafe.Add(ref bucket, BitOperations.TrailingZeroCount(free)) = value;
                _count++;
                return;
            }
            b = (b + 1) & _bucketMask;
        }
    }

    /// <summary>
    /// Reads the first slot of the home bucket of <paramref name="hash"/> so that its cache line is on its way before
    /// <see cref="Add"/> needs it (loads that nothing waits for overlap; the caller folds the result into a value it
    /// keeps so that the read is not dropped).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Touch(uint hash) =>
        Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_slots), (int)(hash & (uint)_bucketMask) << BucketBits);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint FreeLanes(ref int bucket)
    {
        if (Vector256.IsHardwareAccelerated)
            return Vector256.Equals(Vector256.LoadUnsafe(ref bucket), Vector256<int>.Zero).ExtractMostSignificantBits();
        uint free = 0;
        for (var i = 0; i < BucketSize; i++)
            if (Unsafe.Add(ref bucket, i) == 0) free |= 1u << i;
        return free;
    }

    /// <summary>Load factor reached 3/4: the caller rebuilds a larger table.</summary>
    public bool IsFull => _count >= (_slots.Length >> 2) * 3;

    /// <summary>Every local index whose hash tag matches, in insertion order per bucket (the caller compares the name bytes).</summary>
    public void Candidates(uint hash, List<int> into)
    {
        var b = (int)(hash & (uint)_bucketMask);
        var tag = hash & TagMask;
        while (true)
        {
            var free = 0;
            for (var i = 0; i < BucketSize; i++)
            {
                var slot = (uint)_slots[(b << BucketBits) + i];
                if (slot == 0) free++;
                else if ((slot & TagMask) == tag) into.Add((int)(slot & IndexMask) - 1);
            }
            if (free > 0) return;
            b = (b + 1) & _bucketMask;
        }
    }

    private const ulong K2 = 0xC2B2AE3D27D4EB4FUL;
    private const int Head = 32;

    // The hash of a name: its bytes as little-endian 64-bit words w0..w3 (zero-padded to 32 bytes), combined as
    // (w0*K1) ^ rotl(w1*K2, 21) ^ rotl(w2 ^ w3*K1, 42); words beyond 32 bytes folded in one by one; then the length
    // and a multiply-xorshift finish. Names shorter than 32 bytes (90 % of kernel type names) hash with one vector
    // compare and no data-dependent branch.

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Combine(ulong w0, ulong w1, ulong w2, ulong w3) =>
        (w0 * K1) ^ BitOperations.RotateLeft(w1 * K2, 21) ^ BitOperations.RotateLeft(w2 ^ (w3 * K1), 42);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(ulong h, int length)
    {
        h ^= (ulong)length;
        h *= K2;
        h ^= h >> 32;
        return (uint)h;
    }

    private static ulong Word(ReadOnlySpan<byte> s, int i)
    {
        if (i + 8 <= s.Length) return BinaryPrimitives.ReadUInt64LittleEndian(s[i..]);
        ulong w = 0;
        for (var k = i; k < s.Length; k++) w |= (ulong)s[k] << (8 * (k - i));
        return w;
    }

    /// <summary>Hash of name bytes (no NUL); equals <see cref="HashCString"/> of the same string.</summary>
    public static uint Hash(ReadOnlySpan<byte> s)
    {
        var h = Combine(Word(s, 0), Word(s, 8), Word(s, 16), Word(s, 24));
        for (var i = Head; i < s.Length; i += 8) h = (BitOperations.RotateLeft(h, 23) * K1) ^ Word(s, i);
        return Finish(h, s.Length);
    }

    /// <summary>
    /// Hash of the NUL-terminated string at <paramref name="offset"/> of <paramref name="table"/> (whose last byte is NUL).
    /// With AVX2 on a little-endian host: one 32-byte load, a compare for the NUL, and a mask of the bytes after it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint HashCString(ReadOnlySpan<byte> table, int offset)
    {
        if (!Vector256.IsHardwareAccelerated || !BitConverter.IsLittleEndian || table.Length - offset < Head)
            return Hash(Slow(table, offset));
        var v = Vector256.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetReference(table), offset));
        var zeros = Vector256.Equals(v, Vector256<byte>.Zero).ExtractMostSignificantBits();
        if (zeros == 0) return HashLong(table[offset..], v.AsUInt64()); // 32 bytes or longer
        var len = BitOperations.TrailingZeroCount(zeros);
        var w = (v & Vector256.GreaterThan(Vector256.Create((byte)len), Vector256<byte>.Indices)).AsUInt64();
        return Finish(Combine(w.GetElement(0), w.GetElement(1), w.GetElement(2), w.GetElement(3)), len);
    }

    /// <summary>
    /// <see cref="Hash"/> of a NUL-terminated name of 32 bytes or more at the start of <paramref name="rest"/> (whose
    /// first 32 bytes are <paramref name="head"/>): whole 8-byte reads, the last one masked to the name's length when
    /// the table has 8 bytes there (bytes after the NUL are never part of the hash).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static uint HashLong(ReadOnlySpan<byte> rest, Vector256<ulong> head)
    {
        var len = rest.IndexOf((byte)0);
        var h = Combine(head.GetElement(0), head.GetElement(1), head.GetElement(2), head.GetElement(3));
        for (var i = Head; i < len; i += 8)
        {
            ulong w;
            if (i + 8 <= rest.Length)
            {
                w = BinaryPrimitives.ReadUInt64LittleEndian(rest[i..]);
                if (len - i < 8) w &= (1UL << (8 * (len - i))) - 1;
            }
            else w = Word(rest[..len], i);
            h = (BitOperations.RotateLeft(h, 23) * K1) ^ w;
        }
        return Finish(h, len);
    }

    private static ReadOnlySpan<byte> Slow(ReadOnlySpan<byte> table, int offset)
    {
        var rest = table[offset..];
        return rest[..rest.IndexOf((byte)0)];
    }
}
