using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CompatService.Engine.Btf;

/// <summary>
/// Name → type index without materialising names: an open-addressing table of ints. Each slot holds
/// (local type index + 1) in its low 21 bits and the top 11 bits of the name's hash as a tag, so a lookup
/// compares name bytes only for slots whose tag matches. Filled during the parse scan straight from the
/// NUL-terminated UTF-8 bytes of the string section (the hash finds the NUL eight bytes at a time).
/// </summary>
internal sealed class BtfNameIndex
{
    internal const int IndexBits = 21;
    internal const int MaxTypes = (1 << IndexBits) - 2;
    private const uint IndexMask = (1u << IndexBits) - 1;
    private const uint TagMask = ~IndexMask;
    private const ulong K1 = 0x9E3779B97F4A7C15UL;
    private const ulong Ones = 0x0101010101010101UL, Highs = 0x8080808080808080UL;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong h, ulong w) => BitOperations.RotateLeft((h ^ w) * K1, 29);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Finish(ulong h, int length)
    {
        h ^= (ulong)length;
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 29;
        return (uint)h;
    }

    /// <summary>Hash of name bytes (no NUL), the same value <see cref="HashCString"/> gives for the same string.</summary>
    public static uint Hash(ReadOnlySpan<byte> s)
    {
        var h = K1;
        var length = s.Length;
        while (s.Length >= 8)
        {
            h = Mix(h, BinaryPrimitives.ReadUInt64LittleEndian(s));
            s = s[8..];
        }
        if (s.Length > 0)
        {
            ulong tail = 0;
            for (var i = 0; i < s.Length; i++) tail |= (ulong)s[i] << (8 * i);
            h = Mix(h, tail);
        }
        return Finish(h, length);
    }

    /// <summary>
    /// Hash of the NUL-terminated string at <paramref name="offset"/> of <paramref name="table"/>, whose last byte is NUL.
    /// Reads eight bytes at a time and finds the NUL with a SWAR zero-byte test.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint HashCString(ReadOnlySpan<byte> table, int offset)
    {
        ref var p = ref Unsafe.Add(ref MemoryMarshal.GetReference(table), offset);
        var avail = table.Length - offset;
        var h = K1;
        var i = 0;
        while (avail - i >= 8)
        {
            var w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref p, i));
            if (!BitConverter.IsLittleEndian) w = BinaryPrimitives.ReverseEndianness(w);
            var z = (w - Ones) & ~w & Highs;
            if (z != 0)
            {
                var nb = BitOperations.TrailingZeroCount(z) >> 3;
                if (nb > 0) h = Mix(h, w & (ulong.MaxValue >> (64 - 8 * nb)));
                return Finish(h, i + nb);
            }
            h = Mix(h, w);
            i += 8;
        }
        // Fewer than 8 bytes left before the end of the section: byte by byte (the section ends with NUL).
        ulong tail = 0;
        var n = 0;
        while (Unsafe.Add(ref p, i + n) != 0)
        {
            tail |= (ulong)Unsafe.Add(ref p, i + n) << (8 * n);
            n++;
        }
        if (n > 0) h = Mix(h, tail);
        return Finish(h, i + n);
    }
}
