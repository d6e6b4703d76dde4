namespace CompatService.Engine.Elf;

/// <summary>One section header and its bytes (empty for SHT_NOBITS).</summary>
public sealed class ElfSection
{
    internal ElfSection(int index, string name, uint type, ulong flags, ulong address, ulong offset, ulong size,
        uint link, uint info, ulong alignment, ulong entrySize, ReadOnlyMemory<byte> data)
    {
        Index = index; Name = name; Type = type; Flags = flags; Address = address; Offset = offset; Size = size;
        Link = link; Info = info; Alignment = alignment; EntrySize = entrySize; Data = data;
    }

    public int Index { get; }
    public string Name { get; }
    public uint Type { get; }
    public ulong Flags { get; }
    public ulong Address { get; }
    public ulong Offset { get; }
    public ulong Size { get; }
    public uint Link { get; }
    public uint Info { get; }
    public ulong Alignment { get; }
    public ulong EntrySize { get; }
    public ReadOnlyMemory<byte> Data { get; }

    public bool IsExecutable => (Flags & ElfConstants.ShfExecinstr) != 0;
    public bool IsAlloc => (Flags & ElfConstants.ShfAlloc) != 0;
    public bool IsWritable => (Flags & ElfConstants.ShfWrite) != 0;
    public bool IsNoBits => Type == ElfConstants.ShtNobits;

    public override string ToString() => $"[{Index}] {Name}";
}
