using System.Buffers.Binary;

namespace CompatService.Kernels;

/// <summary>
/// Reads the total uncompressed size of the last stream of an .xz file from its index (stream footer → backward
/// size → index records), without decompressing. Null when the trailer does not parse.
/// </summary>
public static class XzIndex
{
    public static long? UncompressedSize(ReadOnlySpan<byte> xz)
    {
        var end = xz.Length;
        while (end >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(xz[(end - 4)..]) == 0) end -= 4; // stream padding
        if (end < 24 || xz[end - 2] != (byte)'Y' || xz[end - 1] != (byte)'Z') return null;
        var footer = end - 12;
        var indexSize = (BinaryPrimitives.ReadUInt32LittleEndian(xz[(footer + 4)..]) + 1L) * 4;
        var index = footer - indexSize;
        if (index < 12 || xz[(int)index] != 0) return null;
        var pos = (int)index + 1;
        if (!Varint(xz, ref pos, footer, out var records) || records > (ulong)indexSize) return null;
        long total = 0;
        for (ulong i = 0; i < records; i++)
        {
            if (!Varint(xz, ref pos, footer, out _) || !Varint(xz, ref pos, footer, out var size)) return null;
            if (size > long.MaxValue / 2) return null;
            total += (long)size;
            if (total < 0) return null;
        }
        return total;
    }

    private static bool Varint(ReadOnlySpan<byte> d, ref int pos, long limit, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 63; shift += 7)
        {
            if (pos >= limit) return false;
            var b = d[pos++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }
}
