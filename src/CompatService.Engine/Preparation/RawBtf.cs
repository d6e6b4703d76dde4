using System.Buffers.Binary;
using System.Text;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Preparation;

/// <summary>BTF kinds as encoded in btf_type.info bits 24-28.</summary>
public enum RawBtfKind
{
    Unknown = 0, Int = 1, Ptr = 2, Array = 3, Struct = 4, Union = 5, Enum = 6, Fwd = 7, Typedef = 8, Volatile = 9,
    Const = 10, Restrict = 11, Func = 12, FuncProto = 13, Var = 14, Datasec = 15, Float = 16, DeclTag = 17, TypeTag = 18,
    Enum64 = 19,
}

/// <summary>
/// A mutable, little-endian raw BTF blob for the loader's in-place rewrites (sanitising kinds the kernel lacks,
/// fixing DATASEC sizes and offsets, rewriting extern FUNCs). Records keep their length; new types and strings append.
/// </summary>
public sealed class RawBtf
{
    public const ushort Magic = 0xeB9F;
    public const int HeaderLen = 24;

    private byte[] _types;
    private readonly MemoryStream _extraTypes = new();
    private readonly List<byte> _strings;
    private readonly List<int> _offsets = [0]; // record offset per id (id 0 = void, unused)
    private readonly int _baseStrings;

    private RawBtf(byte[] types, byte[] strings)
    {
        _types = types;
        _strings = [.. strings];
        _baseStrings = strings.Length;
    }

    public static uint Info(RawBtfKind kind, int vlen, bool kflag) =>
        ((uint)vlen & 0xffff) | (((uint)kind & 0x1f) << 24) | (kflag ? 1u << 31 : 0);

    /// <summary>Number of type ids including void (ids 1..Count-1 are types).</summary>
    public int Count => _offsets.Count;

    public static RawBtf Parse(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < HeaderLen) throw new BpfFormatException("BTF shorter than its header", 0, ".BTF");
        var magic = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        if (magic != Magic)
            throw new BpfFormatException(BinaryPrimitives.ReadUInt16BigEndian(raw) == Magic
                ? "BTF is big-endian; this host loads only little-endian objects" : "bad BTF magic", 0, ".BTF");
        var hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(raw[4..]);
        var typeOff = BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]);
        var typeLen = BinaryPrimitives.ReadUInt32LittleEndian(raw[12..]);
        var strOff = BinaryPrimitives.ReadUInt32LittleEndian(raw[16..]);
        var strLen = BinaryPrimitives.ReadUInt32LittleEndian(raw[20..]);
        if (hdrLen < HeaderLen || (ulong)hdrLen + typeOff + typeLen > (ulong)raw.Length || (ulong)hdrLen + strOff + strLen > (ulong)raw.Length)
            throw new BpfFormatException("BTF header sections out of range", 4, ".BTF");
        var btf = new RawBtf(raw.Slice((int)(hdrLen + typeOff), (int)typeLen).ToArray(), raw.Slice((int)(hdrLen + strOff), (int)strLen).ToArray());
        var off = 0;
        while (off < btf._types.Length)
        {
            if (off + 12 > btf._types.Length) throw new BpfFormatException("truncated BTF type", HeaderLen + off, ".BTF", (uint)btf.Count);
            btf._offsets.Add(off);
            off += 12 + ExtraLen(btf.KindAt(off), btf.VlenAt(off));
        }
        if (off != btf._types.Length) throw new BpfFormatException("BTF type section overruns", HeaderLen + off, ".BTF", (uint)(btf.Count - 1));
        return btf;
    }

    public static int ExtraLen(RawBtfKind kind, int vlen) => kind switch
    {
        RawBtfKind.Int or RawBtfKind.Var or RawBtfKind.DeclTag => 4,
        RawBtfKind.Array => 12,
        RawBtfKind.Struct or RawBtfKind.Union or RawBtfKind.Datasec or RawBtfKind.Enum64 => 12 * vlen,
        RawBtfKind.Enum or RawBtfKind.FuncProto => 8 * vlen,
        _ => 0,
    };

    private RawBtfKind KindAt(int off) => (RawBtfKind)((U32At(off + 4) >> 24) & 0x1f);
    private int VlenAt(int off) => (int)(U32At(off + 4) & 0xffff);
    private uint U32At(int off) => BinaryPrimitives.ReadUInt32LittleEndian(_types.AsSpan(off));
    private void SetU32At(int off, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(_types.AsSpan(off), v);

    private int Rec(uint id)
    {
        if (id == 0 || id >= _offsets.Count) throw new BpfFormatException($"BTF type id {id} out of range", null, ".BTF", id);
        FlushExtra();
        return _offsets[(int)id];
    }

    public RawBtfKind Kind(uint id) => KindAt(Rec(id));
    public int Vlen(uint id) => VlenAt(Rec(id));
    public bool KFlag(uint id) => (U32At(Rec(id) + 4) & (1u << 31)) != 0;
    public uint NameOff(uint id) => U32At(Rec(id));
    public string Name(uint id) => StringAt(NameOff(id));
    public uint SizeOrType(uint id) => U32At(Rec(id) + 8);
    /// <summary>The n-th u32 after the 12-byte header (members, params, secinfos, the INT/VAR word...).</summary>
    public uint Word(uint id, int n) => U32At(Rec(id) + 12 + 4 * n);

    public void SetInfo(uint id, RawBtfKind kind, int vlen, bool kflag = false) => SetU32At(Rec(id) + 4, Info(kind, vlen, kflag));
    public void SetNameOff(uint id, uint nameOff) => SetU32At(Rec(id), nameOff);
    public void SetSizeOrType(uint id, uint v) => SetU32At(Rec(id) + 8, v);
    public void SetWord(uint id, int n, uint v) => SetU32At(Rec(id) + 12 + 4 * n, v);

    public string StringAt(uint off)
    {
        if (off >= _strings.Count) throw new BpfFormatException($"BTF string offset {off} out of range", null, ".BTF");
        var end = (int)off;
        while (end < _strings.Count && _strings[end] != 0) end++;
        return Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_strings)[(int)off..end]);
    }

    /// <summary>Overwrites a string in place (same length or shorter); libbpf does this for '.' → '_' in DATASEC names.</summary>
    public void ReplaceStringChars(uint off, char from, char to)
    {
        for (var i = (int)off; i < _strings.Count && _strings[i] != 0; i++)
            if (_strings[i] == (byte)from) _strings[i] = (byte)to;
    }

    public uint AddString(string s)
    {
        var off = (uint)_strings.Count;
        _strings.AddRange(Encoding.UTF8.GetBytes(s));
        _strings.Add(0);
        return off;
    }

    /// <summary>Appends a type; returns its id.</summary>
    public uint AddType(RawBtfKind kind, uint nameOff, int vlen, uint sizeOrType, params uint[] words)
    {
        void W(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            _extraTypes.Write(b);
        }
        _offsets.Add(_types.Length + (int)_extraTypes.Length);
        W(nameOff); W(Info(kind, vlen, false)); W(sizeOrType);
        foreach (var w in words) W(w);
        return (uint)(_offsets.Count - 1);
    }

    private void FlushExtra()
    {
        if (_extraTypes.Length == 0) return;
        _types = [.. _types, .. _extraTypes.ToArray()];
        _extraTypes.SetLength(0);
    }

    /// <summary>First id of <paramref name="kind"/> named <paramref name="name"/>, or 0.</summary>
    public uint Find(RawBtfKind kind, string name)
    {
        for (uint id = 1; id < Count; id++)
            if (Kind(id) == kind && Name(id) == name) return id;
        return 0;
    }

    public byte[] ToArray()
    {
        FlushExtra();
        var strings = _strings.ToArray();
        var blob = new byte[HeaderLen + _types.Length + strings.Length];
        var s = blob.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s, Magic);
        s[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], HeaderLen);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], (uint)_types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)_types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], (uint)strings.Length);
        _types.CopyTo(s[HeaderLen..]);
        strings.CopyTo(s[(HeaderLen + _types.Length)..]);
        return blob;
    }
}
