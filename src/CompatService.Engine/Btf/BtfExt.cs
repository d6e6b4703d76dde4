using CompatService.Engine.Binary;

namespace CompatService.Engine.Btf;

/// <summary>
/// The .BTF.ext section: func_info, line_info and CO-RE relocations, keyed by section name. Offsets are in bytes.
/// Layout (libbpf btf_ext__new): header {magic 0xeB9F, version 1, flags 0, hdr_len, func_info off/len,
/// line_info off/len, [core_relo off/len]}, offsets relative to the end of the header; each info block is
/// a u32 record size followed by {sec_name_off, num_info, records[num_info]} groups. Record sizes may be larger
/// than the fields known here (newer producers); only the known prefix is read. Either byte order.
/// </summary>
public sealed class BtfExt
{
    private const string SectionName = ".BTF.ext";
    private const int MinHeader = 24, CoreHeader = 32;
    private const uint MinFuncInfo = 8, MinLineInfo = 16, MinCoreRelo = 16;

    private readonly BtfSpec _btf;

    private BtfExt(BtfSpec btf, Endian endian, uint headerLength)
    {
        _btf = btf;
        Endian = endian;
        HeaderLength = headerLength;
    }

    public static BtfExt Parse(ReadOnlyMemory<byte> raw, BtfSpec btf)
    {
        ArgumentNullException.ThrowIfNull(btf);
        var data = raw.Span;
        if (data.Length < 8) throw new BpfFormatException($"truncated .BTF.ext header: {data.Length} bytes", 0, SectionName);
        var endian = BtfHeader.DetectEndian(data) ?? throw new BpfFormatException($"bad .BTF.ext magic 0x{data[0]:x2}{data[1]:x2}", 0, SectionName);
        if (data[2] != 1) throw new BpfFormatException($"unsupported .BTF.ext version {data[2]}", 2, SectionName);
        if (data[3] != 0) throw new BpfFormatException($"unsupported .BTF.ext flags 0x{data[3]:x}", 3, SectionName);
        var hdrLen = endian.U32(data[4..]);
        if (hdrLen < MinHeader) throw new BpfFormatException($".BTF.ext header length {hdrLen} is shorter than {MinHeader}", 4, SectionName);
        if (hdrLen > data.Length) throw new BpfFormatException($".BTF.ext header length {hdrLen} exceeds the section ({data.Length} bytes)", 4, SectionName);

        var ext = new BtfExt(btf, endian, hdrLen);
        var body = data[(int)hdrLen..];
        ext.FuncInfoRecordSize = ext.ReadBlock(body, endian.U32(data[8..]), endian.U32(data[12..]), "func_info", MinFuncInfo, ext._funcInfos,
            static (e, r, btf) => new BtfFuncInfo(e.U32(r), new BtfTypeId(e.U32(r[4..]))));
        ext.LineInfoRecordSize = ext.ReadBlock(body, endian.U32(data[16..]), endian.U32(data[20..]), "line_info", MinLineInfo, ext._lineInfos,
            static (e, r, btf) =>
            {
                var lineCol = e.U32(r[12..]);
                return new BtfLineInfo(e.U32(r), e.U32(r[4..]), e.U32(r[8..]), lineCol >> 10, lineCol & 0x3ff);
            });
        if (hdrLen >= CoreHeader)
        {
            ext.CoreReloRecordSize = ext.ReadBlock(body, endian.U32(data[24..]), endian.U32(data[28..]), "core_relo", MinCoreRelo, ext._coreRelos,
                static (e, r, btf) => new BtfCoreRelo(e.U32(r), new BtfTypeId(e.U32(r[4..])), btf.TryGetString(e.U32(r[8..]), out var s) ? s : throw
                    new BpfFormatException($"core_relo access string offset {e.U32(r[8..])} outside the BTF string section", null, SectionName), e.U32(r[12..])));
        }
        return ext;
    }

    private readonly Dictionary<string, IReadOnlyList<BtfFuncInfo>> _funcInfos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<BtfLineInfo>> _lineInfos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IReadOnlyList<BtfCoreRelo>> _coreRelos = new(StringComparer.Ordinal);

    public Endian Endian { get; }
    public uint HeaderLength { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<BtfFuncInfo>> FuncInfos => _funcInfos;
    public IReadOnlyDictionary<string, IReadOnlyList<BtfLineInfo>> LineInfos => _lineInfos;
    public IReadOnlyDictionary<string, IReadOnlyList<BtfCoreRelo>> CoreRelos => _coreRelos;
    /// <summary>Record size from the func_info block (0 when the block is absent).</summary>
    public uint FuncInfoRecordSize { get; private set; }
    /// <summary>Record size from the line_info block (0 when the block is absent).</summary>
    public uint LineInfoRecordSize { get; private set; }
    /// <summary>Record size from the core_relo block (0 when absent or the header has no core_relo fields).</summary>
    public uint CoreReloRecordSize { get; private set; }

    /// <summary>Line text for a line_info record (from the BTF string table).</summary>
    public string LineText(BtfLineInfo info) => _btf.GetString(info.LineOffset);

    /// <summary>File name for a line_info record (from the BTF string table).</summary>
    public string FileName(BtfLineInfo info) => _btf.GetString(info.FileNameOffset);

    private delegate T RecordReader<T>(Endian endian, ReadOnlySpan<byte> record, BtfSpec btf);

    private uint ReadBlock<T>(ReadOnlySpan<byte> body, uint off, uint len, string what, uint minRecord,
        Dictionary<string, IReadOnlyList<T>> into, RecordReader<T> read)
    {
        if (len == 0) return 0;
        var baseOffset = (long)HeaderLength + off;
        if (off % 4 != 0) throw new BpfFormatException($"{what} block offset {off} is not 4-byte aligned", baseOffset, SectionName);
        if ((long)off + len > body.Length)
            throw new BpfFormatException($"{what} block (offset {off}, length {len}) beyond the end of .BTF.ext", baseOffset, SectionName);
        var block = body.Slice((int)off, (int)len);
        if (block.Length < 4) throw new BpfFormatException($"{what} block has no record size", baseOffset, SectionName);
        var recSize = Endian.U32(block);
        if (recSize < minRecord || recSize % 4 != 0)
            throw new BpfFormatException($"{what} record size {recSize} is invalid (minimum {minRecord}, multiple of 4)", baseOffset, SectionName);
        var pos = 4;
        if (pos == block.Length) throw new BpfFormatException($"{what} block has no records", baseOffset, SectionName);
        while (pos < block.Length)
        {
            var at = baseOffset + pos;
            if (block.Length - pos < 8) throw new BpfFormatException($"{what} section header truncated", at, SectionName);
            var nameOff = Endian.U32(block[pos..]);
            var count = Endian.U32(block[(pos + 4)..]);
            if (count == 0) throw new BpfFormatException($"{what} section header has zero records", at, SectionName);
            var total = (ulong)count * recSize;
            if (total > (ulong)(block.Length - pos - 8))
                throw new BpfFormatException($"{what}: {count} records of {recSize} bytes do not fit in the block", at, SectionName);
            if (!_btf.TryGetString(nameOff, out var secName))
                throw new BpfFormatException($"{what} section name offset {nameOff} outside the BTF string section", at, SectionName);
            pos += 8;
            var list = new List<T>((int)count);
            for (var i = 0; i < count; i++)
            {
                list.Add(read(Endian, block.Slice(pos, (int)recSize), _btf));
                pos += (int)recSize;
            }
            if (into.TryGetValue(secName, out var existing)) list.InsertRange(0, existing);
            into[secName] = list;
        }
        return recSize;
    }
}
