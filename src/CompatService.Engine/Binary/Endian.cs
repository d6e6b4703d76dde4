using System.Buffers.Binary;

namespace CompatService.Engine.Binary;

/// <summary>Endian-aware primitive reads and writes over spans. Callers bounds-check first.</summary>
public readonly record struct Endian(bool IsBig)
{
    public static readonly Endian Little = new(false);
    public static readonly Endian Big = new(true);

    public ushort U16(ReadOnlySpan<byte> s) => IsBig ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    public uint U32(ReadOnlySpan<byte> s) => IsBig ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    public ulong U64(ReadOnlySpan<byte> s) => IsBig ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
    public int I32(ReadOnlySpan<byte> s) => (int)U32(s);
    public short I16(ReadOnlySpan<byte> s) => (short)U16(s);

    public void WriteU16(Span<byte> s, ushort v) { if (IsBig) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v); }
    public void WriteU32(Span<byte> s, uint v) { if (IsBig) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v); }
    public void WriteU64(Span<byte> s, ulong v) { if (IsBig) BinaryPrimitives.WriteUInt64BigEndian(s, v); else BinaryPrimitives.WriteUInt64LittleEndian(s, v); }
    public void WriteI32(Span<byte> s, int v) => WriteU32(s, (uint)v);
}
