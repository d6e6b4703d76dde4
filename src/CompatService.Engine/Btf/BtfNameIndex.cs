using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CompatService.Engine.Btf;

/// <summary>
/// Name → type index without materialising names: an open-addressing table of ints. Each slot holds
/// (local type index + 1) in its low 21 bits and the top 11 bits of the name's hash as a tag, so a lookup
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

    private readonly int[] _slots;
    private readonly int _mask;
    private int _count;

    /// <summary>An empty table sized for about <paramref name="expected"/> names (it grows when needed).</summary>
    public BtfNameIndex(int expected)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, expected + expected / 3 + 1));
        _slots = new int[size];
        _mask = size - 1;
    }

    public int SlotCount => _slots.Length;

    /// <summary>
    /// Builds a table from (hash, local index) pairs. The pairs are first bucketed by the top bits of their home slot
    /// (a counting sort) so that the inserts of each bucket land in one small, cache-resident part of the table.
    /// </summary>
    public static BtfNameIndex Build(ReadOnlySpan<uint> hashes, ReadOnlySpan<int> locals)
    {
        var count = hashes.Length;
        var index = new BtfNameIndex(count);
        const int partBits = 6, parts = 1 << partBits;
        var sizeBits = BitOperations.Log2((uint)index._slots.Length);
        if (count < 4096 || sizeBits <= partBits)
        {
            for (var i = 0; i < count; i++) index.Add(hashes[i], locals[i]);
            return index;
        }
        var shift = sizeBits - partBits;
        Span<int> starts = stackalloc int[parts + 1];
        starts.Clear();
        for (var i = 0; i < count; i++) starts[(int)((hashes[i] & (uint)index._mask) >> shift) + 1]++;
        for (var p = 0; p < parts; p++) starts[p + 1] += starts[p];
        var sortedHashes = ArrayPool<uint>.Shared.Rent(count);
        var sortedLocals = ArrayPool<int>.Shared.Rent(count);
        try
        {
            Span<int> next = stackalloc int[parts];
            starts[..parts].CopyTo(next);
            for (var i = 0; i < count; i++)
            {
                var p = (int)((hashes[i] & (uint)index._mask) >> shift);
                var at = next[p]++;
                sortedHashes[at] = hashes[i];
                sortedLocals[at] = locals[i];
            }
            for (var i = 0; i < count; i++) index.Add(sortedHashes[i], sortedLocals[i]);
        }
        finally
        {
            ArrayPool<uint>.Shared.Return(sortedHashes);
            ArrayPool<int>.Shared.Return(sortedLocals);
        }
        return index;
    }
    public int Count => _count;

    /// <summary>Adds a name; the caller checks <see cref="IsFull"/> first (slots keep only the hash's tag, so the table cannot rehash itself).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(uint hash, int local)
    {
        ref var s0 = ref MemoryMarshal.GetArrayDataReference(_slots);
        var pos = (int)(hash & (uint)_mask);
        while (Unsafe.Add(ref s0, pos) != 0) pos = (pos + 1) & _mask;
        Unsafe.Add(ref s0, pos) = (int)((hash & TagMask) | (uint)(local + 1));
        _count++;
    }

    /// <summary>Load factor reached 3/4: the caller rebuilds a larger table.</summary>
    public bool IsFull => _count >= (_slots.Length >> 2) * 3;

    /// <summary>Every local index whose hash tag matches (the caller compares the name bytes).</summary>
    public void Candidates(uint hash, List<int> into)
    {
        var pos = (int)(hash & (uint)_mask);
        var tag = hash & TagMask;
        while (true)
        {
            var s = (uint)_slots[pos];
            if (s == 0) return;
            if ((s & TagMask) == tag) into.Add((int)(s & IndexMask) - 1);
            pos = (pos + 1) & _mask;
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
        if (zeros == 0) return Hash(Slow(table, offset)); // 32 bytes or longer
        var len = BitOperations.TrailingZeroCount(zeros);
        var w = (v & Vector256.GreaterThan(Vector256.Create((byte)len), Vector256<byte>.Indices)).AsUInt64();
        return Finish(Combine(w.GetElement(0), w.GetElement(1), w.GetElement(2), w.GetElement(3)), len);
    }

    private static ReadOnlySpan<byte> Slow(ReadOnlySpan<byte> table, int offset)
    {
        var rest = table[offset..];
        return rest[..rest.IndexOf((byte)0)];
    }
}
