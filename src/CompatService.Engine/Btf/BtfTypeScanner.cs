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
    // Constants rather than static readonly fields: the scan method is compiled once, fully optimised, before its
    // class is initialised, so static readonly values would stay loads behind an initialisation check.
    // BtfTypeScannerTests checks them against the tables.
    internal const ulong PackedFixed = 0x4100000c4UL;
    internal const ulong PackedPerVlen = 0xc0c8002f00UL;
    internal const uint ValidKinds = 0xffffe;

    internal static ulong Pack(ReadOnlySpan<byte> table)
    {
        ulong packed = 0;
        for (var kind = 0; kind < 32; kind++)
            if (table[kind] is not Invalid and not 0) packed |= (ulong)(table[kind] / 4) << (2 * kind);
        return packed;
    }

    internal static uint ValidMask()
    {
        uint mask = 0;
        for (var kind = 0; kind < 32; kind++)
            if (FixedExtra[kind] != Invalid) mask |= 1u << kind;
        return mask;
    }

    internal static ReadOnlySpan<byte> FixedExtraTable => FixedExtra;
    internal static ReadOnlySpan<byte> PerVlenTable => PerVlen;

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

    /// <summary>The blob's byte order as a type argument, so that the scan is compiled once per order with no per-read test.</summary>
    private struct Native;
    private struct Swapped;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Read<TOrder>(ref byte b, int offset) where TOrder : struct
    {
        var v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, offset));
        return typeof(TOrder) == typeof(Swapped) ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    public static Result Scan(ReadOnlyMemory<byte> typesMemory, long typeStart, bool bigEndian, BtfStringTable strings, uint firstId, string section) =>
        (bigEndian == BitConverter.IsLittleEndian, strings.Start == 0) switch
        {
            (false, true) => Scan<Native, Whole>(typesMemory.Span, typeStart, strings, firstId, section),
            (false, false) => Scan<Native, Split>(typesMemory.Span, typeStart, strings, firstId, section),
            (true, true) => Scan<Swapped, Whole>(typesMemory.Span, typeStart, strings, firstId, section),
            (true, false) => Scan<Swapped, Split>(typesMemory.Span, typeStart, strings, firstId, section),
        };

    /// <summary>Whether names may live in a base's string table (split BTF), as a type argument like the byte order.</summary>
    private struct Whole;
    private struct Split;

    private static Result Scan<TOrder, TStrings>(ReadOnlySpan<byte> types, long typeStart, BtfStringTable strings, uint firstId, string section)
        where TOrder : struct where TStrings : struct
    {
        var swap = typeof(TOrder) == typeof(Swapped);
        var len = types.Length;
        var offsets = GC.AllocateUninitializedArray<int>(Math.Max(16, len / 22));
        var declTags = new List<int>();
        var stringsEnd = strings.End;
        var ownStart = strings.Start;
        // An empty own table (split BTF may have one) is replaced by one NUL so that the branch-free hash below always
        // has a string to read; names outside the own table (a split blob's base names) are hashed apart.
        var own = strings.Own.Length > 0 ? strings.Own.Span : OneNul;
        var ownLast = (uint)own.Length - 1;
        // Sized for kernel BTF (a name every ~40 bytes of types); a denser blob falls back to a second pass.
        var index = new BtfNameIndex(Math.Max(16, len / 40));
        var overflow = false;
        ref var b0 = ref MemoryMarshal.GetReference(types);
        Span<int> queuedLocals = stackalloc int[Batch];
        Span<uint> queuedHashes = stackalloc uint[Batch];
        var queued = 0;
        var n = 0;
        var pos = 0;
        while (pos < len)
        {
            if (len - pos < 12) ThrowTruncated(len - pos, typeStart + pos, section, firstId + (uint)n);
            var info = Read<TOrder>(ref b0, pos + 4);
            var kind = (int)(info >> 24) & 0x1f;
            if ((info & ~InfoMask) != 0 || ((ValidKinds >> kind) & 1) == 0) ThrowBadInfo(info, typeStart + pos + 4, section, firstId + (uint)n);
            // info >> 23 is 2 * kind once the reserved bits are known zero (a 64-bit shift uses the count's low 6 bits):
            // the record size is one shift away from the info word on the scan's serial chain (read info → next record).
            var twiceKind = (int)(info >> 23);
            var size = 12 + 4 * ((int)((PackedFixed >> twiceKind) & 3) + (int)(info & 0xffff) * (int)((PackedPerVlen >> twiceKind) & 3));
            if (len - pos < size) ThrowRecords((BtfKind)kind, (int)(info & 0xffff), size, len - pos, typeStart + pos, section, firstId + (uint)n);
            if (n == offsets.Length)
            {
                if (n >= BtfNameIndex.MaxTypes) ThrowTooMany(typeStart + pos, section, firstId + (uint)n);
                Array.Resize(ref offsets, (int)Math.Min((long)n + n / 2 + 16, BtfNameIndex.MaxTypes));
            }
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(offsets), n) = pos;

            // Every offset inside the section starts a NUL-terminated string (the section ends with NUL).
            var nameOff = Read<TOrder>(ref b0, pos);
            if (nameOff >= stringsEnd) ThrowName(nameOff, stringsEnd, typeStart + pos, section, firstId + (uint)n);
            // Hash here, branch-free (named and anonymous types alternate unpredictably): this work is independent of
            // the serial chain, so the CPU overlaps it with the next records' size computation. Anonymous types hash
            // the empty string and are not queued.
            queuedLocals[queued] = n;
            if (typeof(TStrings) == typeof(Whole))
            {
                queuedHashes[queued] = BtfNameIndex.HashCString(own, (int)nameOff);
                queued += nameOff != 0 ? 1 : 0;
            }
            else
            {
                var rel = nameOff - ownStart;
                var inOwn = rel <= ownLast;
                queuedHashes[queued] = BtfNameIndex.HashCString(own, (int)(inOwn ? rel : ownLast));
                queued += nameOff != 0 && inOwn ? 1 : 0;
                if (nameOff != 0 && !inOwn) overflow |= AddBaseName(index, nameOff, strings, n);
            }
            if (kind == (int)BtfKind.DeclTag) declTags.Add(n);
            n++;
            pos += size;
            if ((n & (Batch - 1)) == 0)
            {
                overflow |= Insert(index, queuedLocals[..queued], queuedHashes[..queued]);
                queued = 0;
            }
        }
        overflow |= Insert(index, queuedLocals[..queued], queuedHashes[..queued]);

        if (overflow) index = Rebuild(types, offsets, n, swap, strings);
        // Trim only a large over-estimate: a copy of a ~0.5 MB array costs more than the slack it frees.
        if (offsets.Length - n > n / 4 + 16) Array.Resize(ref offsets, n);
        return new Result(offsets, n, declTags.ToArray(), index);
    }

    private const int Batch = 1024;
    private static ReadOnlySpan<byte> OneNul => [0];
    private static int _touchSink; // keeps the bucket reads of Insert from being dropped as dead

    /// <summary>
    /// Inserts a batch of hashed names; true when the table filled up (the caller rebuilds it larger). Touches every
    /// home bucket first, then inserts, so that the scattered table writes overlap instead of each waiting for its miss.
    /// </summary>
    private static bool Insert(BtfNameIndex index, ReadOnlySpan<int> locals, ReadOnlySpan<uint> hashes)
    {
        var touched = 0;
        foreach (var hash in hashes) touched |= index.Touch(hash);
        Volatile.Write(ref _touchSink, touched);
        for (var i = 0; i < locals.Length; i++)
        {
            if (index.IsFull) return true;
            index.Add(hashes[i], locals[i]);
        }
        return false;
    }

    /// <summary>A split blob's type named by its base's string table; true when the table is full.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool AddBaseName(BtfNameIndex index, uint nameOff, BtfStringTable strings, int local)
    {
        if (index.IsFull) return true;
        index.Add(strings.TryGet(nameOff, out var name) ? BtfNameIndex.Hash(name) : 0, local);
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
