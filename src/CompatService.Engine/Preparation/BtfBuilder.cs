using System.Buffers.Binary;
using System.Text;

namespace CompatService.Engine.Preparation;

/// <summary>
/// Writes small raw BTF blobs (little-endian): the kernel feature probes and tests use it. Ids start at 1.
/// </summary>
public sealed class BtfBuilder
{
    private readonly MemoryStream _types = new();
    private readonly MemoryStream _strings = new();
    private readonly Dictionary<string, uint> _stringOffsets = [];
    private uint _nextId = 1;

    public BtfBuilder()
    {
        _strings.WriteByte(0);
        _stringOffsets[""] = 0;
    }

    public uint String(string s)
    {
        if (_stringOffsets.TryGetValue(s, out var off)) return off;
        off = (uint)_strings.Length;
        var bytes = Encoding.UTF8.GetBytes(s);
        _strings.Write(bytes);
        _strings.WriteByte(0);
        _stringOffsets[s] = off;
        return off;
    }

    /// <summary>Appends a type record: header plus the kind's trailing u32 words. Returns its id.</summary>
    public uint Add(RawBtfKind kind, string? name, int vlen, uint sizeOrType, bool kflag = false, params uint[] words)
    {
        var nameOff = String(name ?? "");
        Span<byte> b = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(b, nameOff);
        BinaryPrimitives.WriteUInt32LittleEndian(b[4..], RawBtf.Info(kind, vlen, kflag));
        BinaryPrimitives.WriteUInt32LittleEndian(b[8..], sizeOrType);
        _types.Write(b);
        foreach (var w in words)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b, w);
            _types.Write(b[..4]);
        }
        return _nextId++;
    }

    public uint Int(string name, uint size, bool signed = true) =>
        Add(RawBtfKind.Int, name, 0, size, false, ((signed ? 1u : 0u) << 24) | (size * 8));
    public uint Ptr(uint type) => Add(RawBtfKind.Ptr, null, 0, type);
    public uint Const(uint type) => Add(RawBtfKind.Const, null, 0, type);
    public uint Typedef(string name, uint type) => Add(RawBtfKind.Typedef, name, 0, type);
    public uint Float(string name, uint size) => Add(RawBtfKind.Float, name, 0, size);
    public uint TypeTag(string name, uint type) => Add(RawBtfKind.TypeTag, name, 0, type);
    public uint DeclTag(string name, uint type, int component = -1) => Add(RawBtfKind.DeclTag, name, 0, type, false, (uint)component);
    public uint Var(string name, uint type, uint linkage = 1) => Add(RawBtfKind.Var, name, 0, type, false, linkage);
    public uint Func(string name, uint proto, uint linkage = 1) => Add(RawBtfKind.Func, name, (int)linkage, proto);

    public uint Struct(string? name, uint size, params (string Name, uint Type, uint BitOffset)[] members) =>
        Add(RawBtfKind.Struct, name, members.Length, size, false,
            members.SelectMany(m => new[] { String(m.Name), m.Type, m.BitOffset }).ToArray());

    public uint FuncProto(uint ret, params (string Name, uint Type)[] parameters) =>
        Add(RawBtfKind.FuncProto, null, parameters.Length, ret, false,
            parameters.SelectMany(p => new[] { String(p.Name), p.Type }).ToArray());

    public uint Datasec(string name, uint size, params (uint Type, uint Offset, uint Size)[] vars) =>
        Add(RawBtfKind.Datasec, name, vars.Length, size, false, vars.SelectMany(v => new[] { v.Type, v.Offset, v.Size }).ToArray());

    public uint Enum64(string name, uint size, params (string Name, ulong Value)[] values) =>
        Add(RawBtfKind.Enum64, name, values.Length, size, false,
            values.SelectMany(v => new[] { String(v.Name), (uint)v.Value, (uint)(v.Value >> 32) }).ToArray());

    /// <summary>The raw blob: 24-byte header, types, strings.</summary>
    public byte[] Build()
    {
        var types = _types.ToArray();
        var strings = _strings.ToArray();
        var blob = new byte[RawBtf.HeaderLen + types.Length + strings.Length];
        var s = blob.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s, RawBtf.Magic);
        s[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], RawBtf.HeaderLen);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)types.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], (uint)strings.Length);
        types.CopyTo(s[RawBtf.HeaderLen..]);
        strings.CopyTo(s[(RawBtf.HeaderLen + types.Length)..]);
        return blob;
    }
}
