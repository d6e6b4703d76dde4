using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Btf;

namespace CompatService.Engine.Tests.Btf;

/// <summary>
/// Test helper: writes raw BTF (and .BTF.ext) in either byte order, type by type, as clang/pahole lay it out.
/// Every btf_type record is a sequence of u32 words, so the builder keeps words and the endian is chosen at Build.
/// </summary>
internal sealed class BtfBuilder
{
    private readonly List<uint[]> _types = [];
    private readonly List<byte> _strings = [];
    private readonly Dictionary<string, uint> _offsets = new(StringComparer.Ordinal);
    private readonly uint _stringBase;

    /// <summary>A base blob (ids from 1, string section starting with the empty string).</summary>
    public BtfBuilder()
    {
        FirstId = 1;
        _strings.Add(0);
        _offsets[""] = 0;
    }

    /// <summary>A split blob on top of <paramref name="baseSpec"/>: ids and string offsets continue after the base's.</summary>
    public BtfBuilder(BtfSpec baseSpec)
    {
        FirstId = baseSpec.LastTypeId + 1;
        _stringBase = baseSpec.Strings.End;
        _offsets[""] = 0;
    }

    public uint FirstId { get; }
    public uint NextId => FirstId + (uint)_types.Count;

    public uint Str(string s)
    {
        if (_offsets.TryGetValue(s, out var off)) return off;
        off = _stringBase + (uint)_strings.Count;
        _strings.AddRange(Encoding.UTF8.GetBytes(s));
        _strings.Add(0);
        _offsets[s] = off;
        return off;
    }

    public static uint Info(BtfKind kind, int vlen = 0, bool kindFlag = false) =>
        (kindFlag ? 1u << 31 : 0) | ((uint)kind << 24) | (uint)vlen;

    public uint Raw(params uint[] words)
    {
        _types.Add(words);
        return NextId - 1;
    }

    public uint Int(string name, uint size, bool signed = false, uint bits = 0, uint offset = 0, uint encoding = 0) =>
        Raw(Str(name), Info(BtfKind.Int), size, ((signed ? 1u : encoding) << 24) | (offset << 16) | (bits == 0 ? size * 8 : bits));

    public uint Ptr(uint target) => Raw(0, Info(BtfKind.Ptr), target);
    public uint Array(uint element, uint index, uint count) => Raw(0, Info(BtfKind.Array), 0, element, index, count);
    public uint Fwd(string name, bool union = false) => Raw(Str(name), Info(BtfKind.Fwd, 0, union), 0);
    public uint Typedef(string name, uint target) => Raw(Str(name), Info(BtfKind.Typedef), target);
    public uint Const(uint target) => Raw(0, Info(BtfKind.Const), target);
    public uint Volatile(uint target) => Raw(0, Info(BtfKind.Volatile), target);
    public uint Restrict(uint target) => Raw(0, Info(BtfKind.Restrict), target);
    public uint TypeTag(string tag, uint target) => Raw(Str(tag), Info(BtfKind.TypeTag), target);
    public uint Func(string name, uint proto, BtfLinkage linkage = BtfLinkage.Global) => Raw(Str(name), Info(BtfKind.Func, (int)linkage), proto);
    public uint Var(string name, uint type, BtfLinkage linkage = BtfLinkage.Global) => Raw(Str(name), Info(BtfKind.Var), type, (uint)linkage);
    public uint Float(string name, uint size) => Raw(Str(name), Info(BtfKind.Float), size);
    public uint DeclTag(string name, uint target, int component = -1) => Raw(Str(name), Info(BtfKind.DeclTag), target, (uint)component);

    public uint Struct(string name, uint size, params (string Name, uint Type, uint BitOffset, uint BitfieldSize)[] members) =>
        Composite(BtfKind.Struct, name, size, members);

    public uint Union(string name, uint size, params (string Name, uint Type, uint BitOffset, uint BitfieldSize)[] members) =>
        Composite(BtfKind.Union, name, size, members);

    private uint Composite(BtfKind kind, string name, uint size, (string Name, uint Type, uint BitOffset, uint BitfieldSize)[] members)
    {
        var kindFlag = members.Any(m => m.BitfieldSize != 0);
        var words = new List<uint> { Str(name), Info(kind, members.Length, kindFlag), size };
        foreach (var m in members)
            words.AddRange([Str(m.Name), m.Type, kindFlag ? (m.BitfieldSize << 24) | m.BitOffset : m.BitOffset]);
        return Raw([.. words]);
    }

    public uint Enum(string name, uint size, bool signed, params (string Name, int Value)[] values)
    {
        var words = new List<uint> { Str(name), Info(BtfKind.Enum, values.Length, signed), size };
        foreach (var v in values) words.AddRange([Str(v.Name), (uint)v.Value]);
        return Raw([.. words]);
    }

    public uint Enum64(string name, uint size, bool signed, params (string Name, long Value)[] values)
    {
        var words = new List<uint> { Str(name), Info(BtfKind.Enum64, values.Length, signed), size };
        foreach (var v in values) words.AddRange([Str(v.Name), (uint)v.Value, (uint)((ulong)v.Value >> 32)]);
        return Raw([.. words]);
    }

    public uint FuncProto(uint returnType, params (string Name, uint Type)[] parameters)
    {
        var words = new List<uint> { 0, Info(BtfKind.FuncProto, parameters.Length), returnType };
        foreach (var p in parameters) words.AddRange([Str(p.Name), p.Type]);
        return Raw([.. words]);
    }

    public uint Datasec(string name, uint size, params (uint Type, uint Offset, uint Size)[] vars)
    {
        var words = new List<uint> { Str(name), Info(BtfKind.Datasec, vars.Length), size };
        foreach (var v in vars) words.AddRange([v.Type, v.Offset, v.Size]);
        return Raw([.. words]);
    }

    /// <summary>The raw blob. <paramref name="headerLength"/> &gt; 24 pads the header with <paramref name="extraHeader"/> (zeros by default).</summary>
    public byte[] Build(bool bigEndian = false, uint headerLength = 24, byte[]? extraHeader = null)
    {
        var e = bigEndian ? Endian.Big : Endian.Little;
        var typeLen = _types.Sum(t => t.Length) * 4;
        var strLen = _strings.Count;
        var blob = new byte[headerLength + typeLen + strLen];
        e.WriteU16(blob, 0xeB9F);
        blob[2] = 1;
        e.WriteU32(blob.AsSpan(4), headerLength);
        e.WriteU32(blob.AsSpan(8), 0);
        e.WriteU32(blob.AsSpan(12), (uint)typeLen);
        e.WriteU32(blob.AsSpan(16), (uint)typeLen);
        e.WriteU32(blob.AsSpan(20), (uint)strLen);
        extraHeader?.CopyTo(blob, 24);
        var pos = (int)headerLength;
        foreach (var t in _types)
            foreach (var w in t)
            {
                e.WriteU32(blob.AsSpan(pos), w);
                pos += 4;
            }
        _strings.CopyTo(blob, pos);
        return blob;
    }

    public BtfSpec Parse(bool bigEndian = false, BtfSpec? baseSpec = null) => BtfSpec.Parse(Build(bigEndian), baseSpec);
}

/// <summary>Test helper: writes a .BTF.ext blob (func_info, line_info, core_relo blocks) in either byte order.</summary>
internal sealed class BtfExtBuilder
{
    private readonly List<(uint Sec, uint[][] Records)> _func = [], _line = [], _core = [];

    public uint FuncRecordSize { get; set; } = 8;
    public uint LineRecordSize { get; set; } = 16;
    public uint CoreRecordSize { get; set; } = 16;

    public BtfExtBuilder Func(uint secNameOff, params uint[][] records) { _func.Add((secNameOff, records)); return this; }
    public BtfExtBuilder Line(uint secNameOff, params uint[][] records) { _line.Add((secNameOff, records)); return this; }
    public BtfExtBuilder Core(uint secNameOff, params uint[][] records) { _core.Add((secNameOff, records)); return this; }

    public byte[] Build(bool bigEndian = false, bool withCore = true)
    {
        var e = bigEndian ? Endian.Big : Endian.Little;
        var hdrLen = withCore ? 32u : 24u;
        var blocks = new List<byte[]> { Block(e, FuncRecordSize, _func), Block(e, LineRecordSize, _line) };
        if (withCore) blocks.Add(Block(e, CoreRecordSize, _core));
        var blob = new byte[hdrLen + blocks.Sum(b => b.Length)];
        e.WriteU16(blob, 0xeB9F);
        blob[2] = 1;
        e.WriteU32(blob.AsSpan(4), hdrLen);
        uint off = 0;
        for (var i = 0; i < blocks.Count; i++)
        {
            e.WriteU32(blob.AsSpan(8 + i * 8), off);
            e.WriteU32(blob.AsSpan(12 + i * 8), (uint)blocks[i].Length);
            blocks[i].CopyTo(blob, hdrLen + off);
            off += (uint)blocks[i].Length;
        }
        return blob;
    }

    private static byte[] Block(Endian e, uint recSize, List<(uint Sec, uint[][] Records)> secs)
    {
        if (secs.Count == 0) return [];
        var size = 4 + secs.Sum(s => 8 + s.Records.Length * (int)recSize);
        var b = new byte[size];
        e.WriteU32(b, recSize);
        var pos = 4;
        foreach (var (sec, records) in secs)
        {
            e.WriteU32(b.AsSpan(pos), sec);
            e.WriteU32(b.AsSpan(pos + 4), (uint)records.Length);
            pos += 8;
            foreach (var r in records)
            {
                for (var i = 0; i < r.Length; i++) e.WriteU32(b.AsSpan(pos + i * 4), r[i]);
                pos += (int)recSize;
            }
        }
        return b;
    }
}

/// <summary>Test helper: converts a raw BTF blob to the other byte order (header fields and every type-section word).</summary>
internal static class BtfByteSwapper
{
    public static byte[] Swap(ReadOnlySpan<byte> raw)
    {
        var from = raw[0] == 0x9F ? Endian.Little : Endian.Big;
        var to = from.IsBig ? Endian.Little : Endian.Big;
        var result = raw.ToArray();
        to.WriteU16(result, from.U16(raw));
        var hdrLen = from.U32(raw[4..]);
        for (var off = 4; off < 24; off += 4) to.WriteU32(result.AsSpan(off), from.U32(raw[off..]));
        var typeStart = (int)(hdrLen + from.U32(raw[8..]));
        var typeLen = (int)from.U32(raw[12..]);
        for (var off = typeStart; off < typeStart + typeLen; off += 4) to.WriteU32(result.AsSpan(off), from.U32(raw[off..]));
        return result;
    }
}
