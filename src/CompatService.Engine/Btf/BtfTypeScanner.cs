using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

/// <summary>
/// The one pass over the type section at parse: checks each btf_type header (reserved info bits, known kind,
/// records inside the section, name offset inside the string section), records its offset, hashes its name straight
/// from the string bytes (vector NUL search, no string allocated) into the name table and remembers DECL_TAGs.
/// Nothing is decoded into objects.
/// </summary>
internal static class BtfTypeScanner
{
    private const uint InfoMask = 0x9f00ffffu;
    private const byte Invalid = 255;

    /// <summary>Bytes after the 12-byte btf_type that do not depend on vlen, by kind (255 = not a kind).</summary>
    private static ReadOnlySpan<byte> FixedExtra =>
    [
        Invalid, 4, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 4, 0, 0,
        Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid, Invalid,
    ];

    /// <summary>Bytes per vlen record, by kind (STRUCT/UNION members, ENUM values, FUNC_PROTO params, DATASEC vars, ENUM64 values).</summary>
    private static ReadOnlySpan<byte> PerVlen =>
    [
        0, 0, 0, 0, 12, 12, 8, 0, 0, 0, 0, 0, 0, 8, 0, 12, 0, 0, 0, 12,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    // The same two tables packed into 64-bit constants (2 bits a kind, value / 4) so that the scan's serial chain
    // (read info → record size → next record) needs no table load: a shift and a mask instead of two L1 loads.
    private static readonly ulong PackedFixed = Pack(FixedExtra);
    private static readonly ulong PackedPerVlen = Pack(PerVlen);
    private static readonly uint ValidKinds = ValidMask();

    private static ulong Pack(ReadOnlySpan<byte> table)
    {
        ulong packed = 0;
        for (var kind = 0; kind < 32; kind++)
            if (table[kind] is not Invalid and not 0) packed |= (ulong)(table[kind] / 4) << (2 * kind);
        return packed;
    }

    private static uint ValidMask()
    {
        uint mask = 0;
        for (var kind = 0; kind < 32; kind++)
            if (FixedExtra[kind] != Invalid) mask |= 1u << kind;
        return mask;
    }

    internal sealed record Result(int[] Offsets, int Count, int[] DeclTags, BtfNameIndex Names);

    /// <summary>Size in bytes of the records that follow a btf_type of this kind, or -1 for an unknown kind.</summary>
    internal static int ExtraSize(int kind, int vlen) =>
        kind is < 0 or > 31 || FixedExtra[kind] == Invalid ? -1 : FixedExtra[kind] + vlen * PerVlen[kind];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read(ref byte b, int offset, bool swap)
    {
        var v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, offset));
        return swap ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    public static Result Scan(ReadOnlyMemory<byte> typesMemory, long typeStart, bool bigEndian, BtfStringTable strings, uint firstId, string section)
    {
        var types = typesMemory.Span;
        var swap = bigEndian == BitConverter.IsLittleEndian;
        var len = types.Length;
        var offsets = GC.AllocateUninitializedArray<int>(Math.Max(16, len / 22));
        var declTags = new List<int>();
        var stringsEnd = strings.End;
        var own = strings.Own.Span;
        var ownStart = strings.Start;
        // Sized for kernel BTF (a name every ~40 bytes of types); a denser blob falls back to a second pass.
        var index = new BtfNameIndex(Math.Max(16, len / 40));
        var overflow = false;
        ref var b0 = ref MemoryMarshal.GetReference(types);
        Span<int> queuedLocals = stackalloc int[Batch];
        Span<uint> queuedNames = stackalloc uint[Batch];
        var queued = 0;
        var n = 0;
        var pos = 0;
        while (pos < len)
        {
            if (len - pos < 12) ThrowTruncated(len - pos, typeStart + pos, section, firstId + (uint)n);
            var info = Read(ref b0, pos + 4, swap);
            var kind = (int)(info >> 24) & 0x1f;
            if ((info & ~InfoMask) != 0 || ((ValidKinds >> kind) & 1) == 0) ThrowBadInfo(info, typeStart + pos + 4, section, firstId + (uint)n);
            var size = 12 + (int)((PackedFixed >> (2 * kind)) & 3) * 4 + (int)(info & 0xffff) * ((int)((PackedPerVlen >> (2 * kind)) & 3) * 4);
            if (len - pos < size) ThrowRecords((BtfKind)kind, (int)(info & 0xffff), size, len - pos, typeStart + pos, section, firstId + (uint)n);
            if (n == offsets.Length)
            {
                if (n >= BtfNameIndex.MaxTypes) ThrowTooMany(typeStart + pos, section, firstId + (uint)n);
                Array.Resize(ref offsets, (int)Math.Min((long)n + n / 2 + 16, BtfNameIndex.MaxTypes));
            }
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(offsets), n) = pos;

            // Every offset inside the section starts a NUL-terminated string (the section ends with NUL).
            var nameOff = Read(ref b0, pos, swap);
            if (nameOff >= stringsEnd) ThrowName(nameOff, stringsEnd, typeStart + pos, section, firstId + (uint)n);
            // Queue without a branch (named and anonymous types alternate unpredictably); hash in batches, off the
            // scan's serial chain (this record's size → the next record).
            queuedLocals[queued] = n;
            queuedNames[queued] = nameOff;
            queued += nameOff != 0 ? 1 : 0;
            if (kind == (int)BtfKind.DeclTag) declTags.Add(n);
            n++;
            pos += size;
            if ((n & (Batch - 1)) == 0)
            {
                overflow |= Insert(index, queuedLocals[..queued], queuedNames[..queued], ownStart, own, strings);
                queued = 0;
            }
        }
        overflow |= Insert(index, queuedLocals[..queued], queuedNames[..queued], ownStart, own, strings);

        if (overflow) index = Rebuild(types, offsets, n, swap, strings);
        // Trim only a large over-estimate: a copy of a ~0.5 MB array costs more than the slack it frees.
        if (offsets.Length - n > n / 4 + 16) Array.Resize(ref offsets, n);
        return new Result(offsets, n, declTags.ToArray(), index);
    }

    private const int Batch = 1024;
    private static int _touchSink; // keeps the bucket reads of Insert from being dropped as dead

    /// <summary>
    /// Hashes and inserts queued names; true when the table filled up (the caller rebuilds it larger). Two passes over
    /// the batch: hash every name (the string reads stream) and touch its bucket, then insert, so that the inserts'
    /// scattered table writes overlap instead of each waiting for its cache miss. <paramref name="names"/> is overwritten
    /// with the hashes.
    /// </summary>
    private static bool Insert(BtfNameIndex index, ReadOnlySpan<int> locals, Span<uint> names, uint ownStart,
        ReadOnlySpan<byte> own, BtfStringTable strings)
    {
        var touched = 0;
        for (var i = 0; i < names.Length; i++)
        {
            var hash = NameHash(names[i], ownStart, own, strings);
            names[i] = hash;
            touched |= index.Touch(hash);
        }
        Volatile.Write(ref _touchSink, touched);
        for (var i = 0; i < locals.Length; i++)
        {
            if (index.IsFull) return true;
            index.Add(names[i], locals[i]);
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NameHash(uint nameOff, uint ownStart, ReadOnlySpan<byte> own, BtfStringTable strings)
    {
        var rel = nameOff - ownStart;
        if (nameOff >= ownStart && rel < (uint)own.Length) return BtfNameIndex.HashCString(own, (int)rel);
        return strings.TryGet(nameOff, out var name) ? BtfNameIndex.Hash(name) : 0; // range checked by the scan
    }

    /// <summary>Second pass when the blob has more names than the table was sized for.</summary>
    private static BtfNameIndex Rebuild(ReadOnlySpan<byte> types, int[] offsets, int n, bool swap, BtfStringTable strings)
    {
        ref var b0 = ref MemoryMarshal.GetReference(types);
        var named = 0;
        for (var i = 0; i < n; i++)
            if (Read(ref b0, offsets[i], swap) != 0) named++;
        var index = new BtfNameIndex(named);
        var own = strings.Own.Span;
        for (var i = 0; i < n; i++)
        {
            var nameOff = Read(ref b0, offsets[i], swap);
            if (nameOff != 0) index.Add(NameHash(nameOff, strings.Start, own, strings), i);
        }
        return index;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTruncated(int left, long at, string section, uint id) =>
        throw new BpfFormatException($"truncated btf_type: {left} bytes left in the type section", at, section, id);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowBadInfo(uint info, long at, string section, uint id)
    {
        if ((info & ~InfoMask) != 0)
            throw new BpfFormatException($"btf_type info 0x{info:x8} has reserved bits set", at, section, id);
        throw new BpfFormatException($"unknown BTF kind {(info >> 24) & 0x1f}", at, section, id);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowRecords(BtfKind kind, int vlen, int size, int left, long at, string section, uint id) =>
        throw new BpfFormatException($"{kind} with vlen {vlen} needs {size} bytes, only {left} left in the type section", at, section, id);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowTooMany(long at, string section, uint id) =>
        throw new BpfFormatException($"too many BTF types (more than {BtfNameIndex.MaxTypes})", at, section, id);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowName(uint nameOff, uint end, long at, string section, uint id) =>
        throw new BpfFormatException($"name offset {nameOff} outside the string section (ends at {end})", at, section, id);
}
