using CompatService.Engine.Binary;
using static CompatService.Engine.Elf.ElfConstants;

namespace CompatService.Engine.Elf;

/// <summary>
/// A bounds-checked ELF64 reader for either byte order. It reads section headers, the symbol table and
/// REL/RELA sections lazily; section data are slices of the input (nothing is copied).
/// Works for BPF relocatable objects and for kernel images (vmlinux) alike.
/// </summary>
public sealed class ElfFile
{
    private const int Ehdr64Size = 64, Shdr64Size = 64, Sym64Size = 24, Rel64Size = 16, Rela64Size = 24;

    private readonly ReadOnlyMemory<byte> _data;
    private IReadOnlyList<ElfSymbol>? _symbols;
    private IReadOnlyList<ElfRelocationSection>? _relocations;

    private ElfFile(ReadOnlyMemory<byte> data, Endian endian, ushort type, ushort machine, IReadOnlyList<ElfSection> sections)
    {
        _data = data;
        Endian = endian;
        Type = type;
        Machine = machine;
        Sections = sections;
    }

    public Endian Endian { get; }
    public ushort Type { get; }
    public ushort Machine { get; }
    public IReadOnlyList<ElfSection> Sections { get; }
    public ReadOnlyMemory<byte> Bytes => _data;

    /// <summary>True when the bytes start with the ELF magic.</summary>
    public static bool IsElf(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && data[0] == 0x7f && data[1] == (byte)'E' && data[2] == (byte)'L' && data[3] == (byte)'F';

    public static ElfFile Parse(ReadOnlyMemory<byte> data)
    {
        var span = data.Span;
        if (!IsElf(span)) throw new BpfFormatException("not an ELF file (bad magic)", 0);
        var ident = Bounds.Slice(span, 0, Ehdr64Size, "ELF header");
        if (ident[4] != 2) throw new BpfFormatException($"unsupported ELF class {ident[4]} (only ELF64)", 4);
        var endian = ident[5] switch
        {
            1 => Endian.Little,
            2 => Endian.Big,
            _ => throw new BpfFormatException($"bad ELF data encoding {ident[5]}", 5),
        };
        var type = endian.U16(span[16..]);
        var machine = endian.U16(span[18..]);
        var shoff = endian.U64(span[40..]);
        var shentsize = endian.U16(span[58..]);
        long shnum = endian.U16(span[60..]);
        long shstrndx = endian.U16(span[62..]);

        if (shoff == 0) return new ElfFile(data, endian, type, machine, Array.Empty<ElfSection>());
        if (shentsize != Shdr64Size) throw new BpfFormatException($"bad section header size {shentsize}", 58);
        if (shoff > (ulong)span.Length) throw new BpfFormatException($"section header table offset 0x{shoff:x} beyond end of file ({span.Length} bytes)", 40);

        // Extended numbering: section 0 carries the real count / string-table index.
        var first = Bounds.Slice(span, (long)shoff, Shdr64Size, "section header 0");
        // Counts from the input are compared unsigned against the bytes that remain before any arithmetic or allocation.
        var count = shnum == 0 ? endian.U64(first[32..]) : (ulong)shnum;
        if (shstrndx == ShnXindex) shstrndx = endian.U32(first[40..]);
        if (count > (ulong)(span.Length - (long)shoff) / Shdr64Size)
            throw new BpfFormatException($"{count} section headers do not fit in the file", (long)shoff);
        shnum = (long)count;

        var raw = new (uint name, uint type, ulong flags, ulong addr, ulong off, ulong size, uint link, uint info, ulong align, ulong entsize)[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var h = span.Slice((int)((long)shoff + i * Shdr64Size), Shdr64Size);
            raw[i] = (endian.U32(h), endian.U32(h[4..]), endian.U64(h[8..]), endian.U64(h[16..]), endian.U64(h[24..]),
                endian.U64(h[32..]), endian.U32(h[40..]), endian.U32(h[44..]), endian.U64(h[48..]), endian.U64(h[56..]));
        }
        if (shstrndx >= shnum) throw new BpfFormatException($"section name table index {shstrndx} out of range ({shnum} sections)", 62);

        ReadOnlySpan<byte> names = default;
        {
            var s = raw[shstrndx];
            if (s.type != ShtNobits) names = Bounds.Slice(span, (long)Math.Min(s.off, long.MaxValue), (long)Math.Min(s.size, long.MaxValue), "section name table");
        }

        var sections = new ElfSection[shnum];
        for (var i = 0; i < shnum; i++)
        {
            var s = raw[i];
            var name = i == 0 ? string.Empty : Bounds.CString(names, s.name, $"name of section {i}");
            ReadOnlyMemory<byte> bytes = ReadOnlyMemory<byte>.Empty;
            if (s.type != ShtNobits && s.type != ShtNull && s.size > 0)
            {
                if (s.off > (ulong)span.Length || s.size > (ulong)span.Length - s.off)
                    throw new BpfFormatException($"section data (offset 0x{s.off:x}, size {s.size}) beyond end of file ({span.Length} bytes)", (long)Math.Min(s.off, long.MaxValue), name);
                bytes = data.Slice((int)s.off, (int)s.size);
            }
            sections[i] = new ElfSection(i, name, s.type, s.flags, s.addr, s.off, s.size, s.link, s.info, s.align, s.entsize, bytes);
        }
        return new ElfFile(data, endian, type, machine, sections);
    }

    public ElfSection? FindSection(string name)
    {
        foreach (var s in Sections) if (s.Name == name) return s;
        return null;
    }

    public ElfSection? SymbolTableSection
    {
        get
        {
            foreach (var s in Sections) if (s.Type == ShtSymtab) return s;
            return null;
        }
    }

    /// <summary>The symbol table (SHT_SYMTAB), index 0 included; empty when there is none.</summary>
    public IReadOnlyList<ElfSymbol> Symbols => _symbols ??= ReadSymbols();

    /// <summary>Every REL / RELA section with its decoded entries.</summary>
    public IReadOnlyList<ElfRelocationSection> Relocations => _relocations ??= ReadRelocations();

    private IReadOnlyList<ElfSymbol> ReadSymbols()
    {
        var symtab = SymbolTableSection;
        if (symtab is null) return Array.Empty<ElfSymbol>();
        if (symtab.EntrySize != Sym64Size) throw new BpfFormatException($"bad symbol entry size {symtab.EntrySize}", (long)symtab.Offset, symtab.Name);
        if (symtab.Link >= Sections.Count) throw new BpfFormatException($"symbol string table index {symtab.Link} out of range", (long)symtab.Offset, symtab.Name);
        var strtab = Sections[(int)symtab.Link].Data.Span;
        ReadOnlySpan<byte> shndx = default;
        foreach (var s in Sections)
            if (s.Type == ShtSymtabShndx && s.Link == symtab.Index) shndx = s.Data.Span;

        var span = symtab.Data.Span;
        var count = span.Length / Sym64Size;
        var list = new ElfSymbol[count];
        for (var i = 0; i < count; i++)
        {
            var e = span.Slice(i * Sym64Size, Sym64Size);
            var nameOff = Endian.U32(e);
            var info = e[4];
            var other = e[5];
            int sectionIndex = Endian.U16(e[6..]);
            if (sectionIndex == ShnXindex)
            {
                var x = Bounds.Slice(shndx, i * 4L, 4, $"extended section index of symbol {i}", ".symtab_shndx");
                sectionIndex = (int)Math.Min(Endian.U32(x), int.MaxValue);
            }
            var name = Bounds.CString(strtab, nameOff, $"name of symbol {i}", Sections[(int)symtab.Link].Name);
            list[i] = new ElfSymbol(i, name, Endian.U64(e[8..]), Endian.U64(e[16..]), (byte)(info >> 4), (byte)(info & 0xf), (byte)(other & 3), sectionIndex);
        }
        return list;
    }

    private IReadOnlyList<ElfRelocationSection> ReadRelocations()
    {
        var result = new List<ElfRelocationSection>();
        var symbolCount = Symbols.Count;
        foreach (var s in Sections)
        {
            if (s.Type != ShtRel && s.Type != ShtRela) continue;
            var rela = s.Type == ShtRela;
            var size = rela ? Rela64Size : Rel64Size;
            if (s.Info >= Sections.Count) throw new BpfFormatException($"relocation target section {s.Info} out of range", (long)s.Offset, s.Name);
            var span = s.Data.Span;
            if (span.Length % size != 0) throw new BpfFormatException($"relocation section size {span.Length} is not a multiple of {size}", (long)s.Offset, s.Name);
            var entries = new ElfRelocation[span.Length / size];
            for (var i = 0; i < entries.Length; i++)
            {
                var e = span.Slice(i * size, size);
                var info = Endian.U64(e[8..]);
                var sym = (long)(info >> 32);
                if (sym >= symbolCount) throw new BpfFormatException($"relocation {i} names symbol {sym}, but the symbol table has {symbolCount}", (long)s.Offset + i * size, s.Name);
                entries[i] = new ElfRelocation(Endian.U64(e), (int)sym, (uint)info, rela ? (long)Endian.U64(e[16..]) : 0);
            }
            result.Add(new ElfRelocationSection(s, (int)s.Info, entries));
        }
        return result;
    }
}
