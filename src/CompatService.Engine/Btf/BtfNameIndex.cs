using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace CompatService.Engine.Btf;

/// <summary>
/// Name → type index without materialising names: an open-addressing table of ints. Each slot holds
/// (local type index + 1) in its low 21 bits and the top 11 bits of the name's hash as a tag, so a lookup
/// compares name bytes only for slots whose tag matches. Built once at parse from the UTF-8 name bytes.
/// </summary>
internal sealed class BtfNameIndex
{
    internal const int IndexBits = 21;
    internal const int MaxTypes = (1 << IndexBits) - 2;
    private const uint IndexMask = (1u << IndexBits) - 1;
    private const uint TagMask = ~IndexMask;

    private readonly int[] _slots;
    private readonly int _mask;

    public static readonly BtfNameIndex Empty = new(0, ReadOnlySpan<int>.Empty, ReadOnlySpan<uint>.Empty);

    /// <summary>Builds the table from parallel arrays of local indices and their name hashes.</summary>
    public BtfNameIndex(int count, ReadOnlySpan<int> indices, ReadOnlySpan<uint> hashes)
    {
        // Load factor ≤ 0.75.
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, count + count / 3 + 1));
        _slots = new int[size];
        _mask = size - 1;
        for (var i = 0; i < count; i++)
        {
            var h = hashes[i];
            var pos = (int)(h & (uint)_mask);
            while (_slots[pos] != 0) pos = (pos + 1) & _mask;
            _slots[pos] = (int)((h & TagMask) | (uint)(indices[i] + 1));
        }
    }

    public int SlotCount => _slots.Length;

    /// <summary>Calls back every local index whose hash tag matches (the caller compares the name).</summary>
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

    /// <summary>A fast 32-bit hash of name bytes (8 bytes per step, murmur-style finaliser).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Hash(ReadOnlySpan<byte> s)
    {
        const ulong K1 = 0x9E3779B97F4A7C15UL, K2 = 0xC2B2AE3D27D4EB4FUL;
        var h = K1 ^ (ulong)s.Length;
        while (s.Length >= 8)
        {
            h = BitOperations.RotateLeft(h ^ (BinaryPrimitives.ReadUInt64LittleEndian(s) * K2), 31) * K1;
            s = s[8..];
        }
        if (s.Length > 0)
        {
            ulong tail = 0;
            for (var i = 0; i < s.Length; i++) tail |= (ulong)s[i] << (8 * i);
            h = BitOperations.RotateLeft(h ^ (tail * K2), 31) * K1;
        }
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        return (uint)h;
    }
}
