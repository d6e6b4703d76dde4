using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

/// <summary>
/// The one pass over the type section at parse: checks each btf_type header (info bits, known kind, records
/// inside the section), records its offset, hashes its name into the name index and remembers DECL_TAGs.
/// Nothing is decoded into objects here.
/// </summary>
internal static class BtfTypeScanner
{
    private const uint InfoMask = 0x9f00ffffu;

    internal sealed record Result(int[] Offsets, int Count, BtfNameIndex Names, int[] DeclTags);

    /// <summary>Size in bytes of the records that follow a btf_type of this kind, or -1 for an unknown kind.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int ExtraSize(int kind, int vlen) => kind switch
    {
        1 => 4,                         // INT: encoding word
        3 => 12,                        // ARRAY
        4 or 5 => vlen * 12,            // STRUCT / UNION members
        6 => vlen * 8,                  // ENUM values
        13 => vlen * 8,                 // FUNC_PROTO params
        14 => 4,                        // VAR linkage
        15 => vlen * 12,                // DATASEC var_secinfo
        17 => 4,                        // DECL_TAG component_idx
        19 => vlen * 12,                // ENUM64 values
        2 or 7 or 8 or 9 or 10 or 11 or 12 or 16 or 18 => 0,
        _ => -1,
    };

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
        var estimate = Math.Max(16, len / 22);
        var offsets = new int[estimate];
        var named = ArrayPool<int>.Shared.Rent(estimate);
        var hashes = ArrayPool<uint>.Shared.Rent(estimate);
        var declTags = new List<int>();
        var ownStrings = strings.Own.Span;
        var ownStart = strings.Start;
        var n = 0;
        var namedCount = 0;
        try
        {
            ref var b0 = ref MemoryMarshal.GetReference(types);
            var pos = 0;
            while (pos < len)
            {
                var id = firstId + (uint)n;
                if (len - pos < 12)
                    throw new BpfFormatException($"truncated btf_type: {len - pos} bytes left in the type section", typeStart + pos, section, id);
                var nameOff = Read(ref b0, pos, swap);
                var info = Read(ref b0, pos + 4, swap);
                if ((info & ~InfoMask) != 0)
                    throw new BpfFormatException($"btf_type info 0x{info:x8} has reserved bits set", typeStart + pos + 4, section, id);
                var kind = (int)(info >> 24) & 0x1f;
                var vlen = (int)(info & 0xffff);
                var extra = ExtraSize(kind, vlen);
                if (extra < 0)
                    throw new BpfFormatException($"unknown BTF kind {kind}", typeStart + pos + 4, section, id);
                var size = 12 + extra;
                if (len - pos < size)
                    throw new BpfFormatException($"{(BtfKind)kind} with vlen {vlen} needs {size} bytes, only {len - pos} left in the type section",
                        typeStart + pos, section, id);
                if (n == offsets.Length)
                {
                    if (n >= BtfNameIndex.MaxTypes)
                        throw new BpfFormatException($"too many BTF types (more than {BtfNameIndex.MaxTypes})", typeStart + pos, section, id);
                    Array.Resize(ref offsets, (int)Math.Min((long)n + n / 2 + 16, BtfNameIndex.MaxTypes));
                }
                offsets[n] = pos;

                if (nameOff != 0)
                {
                    ReadOnlySpan<byte> name;
                    var rel = nameOff - ownStart;
                    if (nameOff >= ownStart && rel < (uint)ownStrings.Length)
                    {
                        var rest = ownStrings[(int)rel..];
                        name = rest[..rest.IndexOf((byte)0)]; // the section ends with NUL (checked with the header)
                    }
                    else if (!strings.TryGet(nameOff, out name))
                    {
                        throw new BpfFormatException($"name offset {nameOff} outside the string section (ends at {strings.End})", typeStart + pos, section, id);
                    }
                    if (namedCount == named.Length) Grow(ref named, ref hashes, namedCount);
                    named[namedCount] = n;
                    hashes[namedCount] = BtfNameIndex.Hash(name);
                    namedCount++;
                }
                if (kind == (int)BtfKind.DeclTag) declTags.Add(n);
                n++;
                pos += size;
            }

            if (offsets.Length - n > n / 16 + 16) Array.Resize(ref offsets, n);
            var index = namedCount == 0 ? BtfNameIndex.Empty : new BtfNameIndex(namedCount, named, hashes);
            return new Result(offsets, n, index, declTags.ToArray());
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
}
