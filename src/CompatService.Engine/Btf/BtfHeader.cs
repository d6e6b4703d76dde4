using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

/// <summary>
/// The raw BTF header (struct btf_header): magic 0xeB9F in the blob's byte order, version 1, flags 0, hdr_len ≥ 24,
/// then type and string sections as (offset, length) relative to the end of the header.
/// A longer header is accepted when the extra bytes are zero, as the kernel does for newer headers.
/// </summary>
internal readonly record struct BtfHeader(Endian Endian, uint HeaderLength, uint TypeOffset, uint TypeLength, uint StringOffset, uint StringLength)
{
    public const int MinSize = 24;
    public const ushort Magic = 0xeB9F;

    /// <summary>Absolute offset of the type section in the blob.</summary>
    public long TypeStart => (long)HeaderLength + TypeOffset;
    /// <summary>Absolute offset of the string section in the blob.</summary>
    public long StringStart => (long)HeaderLength + StringOffset;

    /// <summary>Detects the byte order from the magic; null when the bytes are not BTF.</summary>
    public static Endian? DetectEndian(ReadOnlySpan<byte> data)
    {
        if (data.Length < 2) return null;
        if (data[0] == 0x9F && data[1] == 0xEB) return Endian.Little;
        if (data[0] == 0xEB && data[1] == 0x9F) return Endian.Big;
        return null;
    }

    public static BtfHeader Parse(ReadOnlySpan<byte> data, string section, bool isSplit)
    {
        if (data.Length < MinSize)
            throw new BpfFormatException($"truncated BTF header: {data.Length} bytes, need at least {MinSize}", 0, section);
        var endian = DetectEndian(data) ?? throw new BpfFormatException($"bad BTF magic 0x{data[0]:x2}{data[1]:x2}", 0, section);
        if (data[2] != 1) throw new BpfFormatException($"unsupported BTF version {data[2]}", 2, section);
        if (data[3] != 0) throw new BpfFormatException($"unsupported BTF flags 0x{data[3]:x}", 3, section);
        var hdrLen = endian.U32(data[4..]);
        if (hdrLen < MinSize) throw new BpfFormatException($"BTF header length {hdrLen} is shorter than {MinSize}", 4, section);
        if (hdrLen > data.Length) throw new BpfFormatException($"BTF header length {hdrLen} exceeds the blob ({data.Length} bytes)", 4, section);
        var extra = data[MinSize..(int)hdrLen];
        var nonZero = extra.IndexOfAnyExcept((byte)0);
        if (nonZero >= 0)
            throw new BpfFormatException($"BTF header of {hdrLen} bytes has a non-zero unknown field at byte {MinSize + nonZero}", MinSize + nonZero, section);

        var h = new BtfHeader(endian, hdrLen, endian.U32(data[8..]), endian.U32(data[12..]), endian.U32(data[16..]), endian.U32(data[20..]));
        long left = data.Length - hdrLen;
        if ((long)h.TypeOffset + h.TypeLength > left)
            throw new BpfFormatException($"BTF type section (offset {h.TypeOffset}, length {h.TypeLength}) beyond the blob ({left} bytes after the header)", 8, section);
        if ((long)h.StringOffset + h.StringLength > left)
            throw new BpfFormatException($"BTF string section (offset {h.StringOffset}, length {h.StringLength}) beyond the blob ({left} bytes after the header)", 16, section);
        if ((long)h.TypeOffset + h.TypeLength > h.StringOffset)
            throw new BpfFormatException($"BTF sections overlap or are out of order: types at {h.TypeOffset}+{h.TypeLength}, strings at {h.StringOffset}", 8, section);
        if (h.TypeOffset % 4 != 0)
            throw new BpfFormatException($"BTF type section offset {h.TypeOffset} is not 4-byte aligned", 8, section);

        if (h.StringLength == 0)
        {
            if (!isSplit) throw new BpfFormatException("BTF string section is empty", 20, section);
        }
        else
        {
            var strings = data.Slice((int)h.StringStart, (int)h.StringLength);
            if (strings[^1] != 0)
                throw new BpfFormatException("BTF string section is not NUL-terminated (unterminated last string)", h.StringStart + h.StringLength - 1, section);
            if (!isSplit && strings[0] != 0)
                throw new BpfFormatException("BTF string section does not start with the empty string", h.StringStart, section);
        }
        return h;
    }
}
