using CompatService.Engine.Binary;

namespace CompatService.Kernels;

/// <summary>Where a raw BTF blob sits inside a larger byte range, and its byte order.</summary>
public readonly record struct BtfBlobLocation(long Offset, long Length, Endian Endian);

/// <summary>
/// Finds raw BTF blobs by their header: magic 0xEB9F (either byte order), version 1, header length ≥ 24, and
/// type / string sections that fit inside the remaining bytes with a string section starting with NUL.
/// Used on images that are not ELF (the arm64 <c>Image</c>), where .BTF has no section header.
/// </summary>
public static class RawBtfLocator
{
    public const int MinHeaderLength = 24;
    private const int MaxHeaderLength = 1024;

    /// <summary>Validates a BTF header at <paramref name="offset"/>; returns the blob's extent or null.</summary>
    public static BtfBlobLocation? TryHeader(ReadOnlySpan<byte> data, long offset)
    {
        if (offset < 0 || offset > data.Length - MinHeaderLength) return null;
        var h = data[(int)offset..];
        Endian endian;
        if (h[0] == 0x9f && h[1] == 0xeb) endian = Endian.Little;
        else if (h[0] == 0xeb && h[1] == 0x9f) endian = Endian.Big;
        else return null;
        if (h[2] != 1) return null; // version
        var hdrLen = endian.U32(h[4..]);
        if (hdrLen < MinHeaderLength || hdrLen > MaxHeaderLength || hdrLen > h.Length) return null;
        long typeOff = endian.U32(h[8..]), typeLen = endian.U32(h[12..]), strOff = endian.U32(h[16..]), strLen = endian.U32(h[20..]);
        if (strLen == 0 || (typeOff & 3) != 0) return null;
        var end = hdrLen + Math.Max(typeOff + typeLen, strOff + strLen);
        if (end > h.Length) return null;
        if (typeOff + typeLen > strOff && strOff + strLen > typeOff) return null; // overlapping sections
        if (h[(int)(hdrLen + strOff)] != 0) return null; // string section starts with the empty string
        return new BtfBlobLocation(offset, end, endian);
    }

    /// <summary>The largest valid BTF blob in <paramref name="data"/> (a kernel's BTF is megabytes), or null.</summary>
    public static BtfBlobLocation? FindLargest(ReadOnlySpan<byte> data)
    {
        BtfBlobLocation? best = null;
        var pos = 0;
        while (pos < data.Length - 1)
        {
            var rest = data[pos..];
            var le = rest.IndexOf([(byte)0x9f, (byte)0xeb, (byte)1]);
            var be = rest.IndexOf([(byte)0xeb, (byte)0x9f, (byte)1]);
            var hit = le < 0 ? be : be < 0 ? le : Math.Min(le, be);
            if (hit < 0) break;
            var at = pos + hit;
            var loc = TryHeader(data, at);
            if (loc is { } l && (best is null || l.Length > best.Value.Length)) best = l;
            pos = at + 1;
        }
        return best;
    }
}
