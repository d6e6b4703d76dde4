using System.Buffers.Binary;

namespace CompatService.Kernels.Tests;

/// <summary>
/// Test-only, independent reading of FUNC names from raw BTF (little- or big-endian, base or split), so the
/// .BTF_ids scanner is checked against a second implementation rather than against the parser it relies on.
/// </summary>
internal sealed class RawBtfFuncNames
{
    private readonly Dictionary<uint, string> _funcs = new();

    public uint FirstTypeId { get; }
    public uint LastTypeId { get; }
    public int StringsLength { get; }

    public RawBtfFuncNames(byte[] raw, RawBtfFuncNames? baseBtf = null)
    {
        var big = raw[0] == 0xeb && raw[1] == 0x9f;
        uint U32(int o) => big ? BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(o)) : BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(o));
        var hdrLen = (int)U32(4);
        int typeOff = hdrLen + (int)U32(8), typeLen = (int)U32(12), strOff = hdrLen + (int)U32(16), strLen = (int)U32(20);
        StringsLength = strLen + (baseBtf?.StringsLength ?? 0);
        var baseStrings = baseBtf?.StringsLength ?? 0;
        var id = FirstTypeId = (baseBtf?.LastTypeId ?? 0) + 1;
        var pos = typeOff;
        while (pos < typeOff + typeLen)
        {
            var nameOff = U32(pos);
            var info = U32(pos + 4);
            var kind = (info >> 24) & 0x1f;
            var vlen = (int)(info & 0xffff);
            if (kind == 12)
            {
                var at = strOff + (int)nameOff - baseStrings;
                var end = Array.IndexOf(raw, (byte)0, at);
                _funcs[id] = System.Text.Encoding.UTF8.GetString(raw, at, end - at);
            }
            pos += 12 + kind switch
            {
                1 or 14 or 17 => 4,
                3 => 12,
                4 or 5 or 15 or 19 => 12 * vlen,
                6 or 13 => 8 * vlen,
                _ => 0,
            };
            id++;
        }
        LastTypeId = id - 1;
    }

    public string? NameOf(uint id) => _funcs.GetValueOrDefault(id);
}
