using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

/// <summary>
/// The one pass over the type section at parse: checks each btf_type header (reserved info bits, known kind,
/// records inside the section, name offset inside the string section), records its offset, hashes its name straight
/// from the string bytes (SWAR NUL search, no string allocated) and remembers DECL_TAGs; the name table is then
/// built from the (hash, index) pairs. Nothing is decoded into objects.
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

    public static Result Scan(ReadOnlySpan<byte> types, long typeStart, bool bigEndian, BtfStringTable strings, uint firstId, string section)
    {
        var swap = bigEndian == BitConverter.IsLittleEndian;
        var len = types.Length;
        var offsets = new int[Math.Max(16, len / 22)];
        var declTags = new List<int>();
        var stringsEnd = strings.End;
        var own = strings.Own.Span;
        var ownStart = strings.Start;
        var named = ArrayPool<int>.Shared.Rent(Math.Max(16, len / 30));
        var hashes = ArrayPool<uint>.Shared.Rent(named.Length);
        var namedCount = 0;
        try
        {
        ref var b0 = ref MemoryMarshal.GetReference(types);
        ref var fixedExtra = ref MemoryMarshal.GetReference(FixedExtra);
        ref var perVlen = ref MemoryMarshal.GetReference(PerVlen);
        var n = 0;
        var pos = 0;
        while (pos < len)
        {
            if (len - pos < 12) ThrowTruncated(len - pos, typeStart + pos, section, firstId + (uint)n);
            var info = Read(ref b0, pos + 4, swap);
            var kind = (int)(info >> 24) & 0x1f;
            int extra = Unsafe.Add(ref fixedExtra, kind);
            if ((info & ~InfoMask) != 0 || extra == Invalid) ThrowBadInfo(info, typeStart + pos + 4, section, firstId + (uint)n);
            var size = 12 + extra + (int)(info & 0xffff) * Unsafe.Add(ref perVlen, kind);
            if (len - pos < size) ThrowRecords((BtfKind)kind, (int)(info & 0xffff), size, len - pos, typeStart + pos, section, firstId + (uint)n);
            if (n == offsets.Length)
            {
                if (n >= BtfNameIndex.MaxTypes) ThrowTooMany(typeStart + pos, section, firstId + (uint)n);
                Array.Resize(ref offsets, (int)Math.Min((long)n + n / 2 + 16, BtfNameIndex.MaxTypes));
            }
            Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(offsets), n) = pos;

            // Every offset inside the section starts a NUL-terminated string (the section ends with NUL).
            var nameOff = Read(ref b0, pos, swap);
            if (nameOff != 0)
            {
                if (nameOff >= stringsEnd) ThrowName(nameOff, stringsEnd, typeStart + pos, section, firstId + (uint)n);
                if (namedCount == named.Length) Grow(ref named, ref hashes, namedCount);
                var rel = nameOff - ownStart;
                hashes[namedCount] = nameOff >= ownStart && rel < (uint)own.Length
                    ? BtfNameIndex.HashCString(own, (int)rel)
                    : strings.TryGet(nameOff, out var name) ? BtfNameIndex.Hash(name) : 0;
                named[namedCount++] = n;
            }
            if (kind == (int)BtfKind.DeclTag) declTags.Add(n);
            n++;
            pos += size;
        }

        if (offsets.Length - n > n / 16 + 16) Array.Resize(ref offsets, n);
        var index = BtfNameIndex.Build(hashes.AsSpan(0, namedCount), named.AsSpan(0, namedCount));
        return new Result(offsets, n, declTags.ToArray(), index);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(named);
            ArrayPool<uint>.Shared.Return(hashes);
        }
    }

    private static void Grow(ref int[] named, ref uint[] hashes, int count)
    {
        var newNamed = ArrayPool<int>.Shared.Rent(count * 2);
        var newHashes = ArrayPool<uint>.Shared.Rent(count * 2);
        named.AsSpan(0, count).CopyTo(newNamed);
        hashes.AsSpan(0, count).CopyTo(newHashes);
        ArrayPool<int>.Shared.Return(named);
        ArrayPool<uint>.Shared.Return(hashes);
        named = newNamed;
        hashes = newHashes;
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
