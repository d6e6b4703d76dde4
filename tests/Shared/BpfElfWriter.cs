using System.Buffers.Binary;
using System.Text;

namespace CompatService.Tests.Shared;

/// <summary>
/// Writes little-endian ELF64 BPF relocatable objects from sections, symbols and relocations: enough to generate the
/// large pathological inputs of the hostile-input tests (too big to commit) and fuzz seeds. Extended section numbering
/// (e_shnum = 0, SHN_XINDEX symbols with .symtab_shndx) is used when there are 0xff00 sections or more.
/// </summary>
public sealed class BpfElfWriter
{
    public const uint ShtProgbits = 1, ShtSymtab = 2, ShtStrtab = 3, ShtRel = 9, ShtSymtabShndx = 18;
    public const ulong ShfWrite = 1, ShfAlloc = 2, ShfExec = 4;
    public const byte SttNotype = 0, SttFunc = 2, SttSection = 3, StbLocal = 0, StbGlobal = 1;
    private const int ShnLoreserve = 0xff00, ShnXindex = 0xffff;

    private sealed record Section(string Name, uint Type, ulong Flags, byte[] Data, uint Link, uint Info, ulong EntSize);
    private sealed record Symbol(string Name, ulong Value, ulong Size, byte Bind, byte Type, int Section);
    private sealed record Reloc(int Section, ulong Offset, int Symbol, uint Type);

    /// <summary>e_machine: EM_BPF (247) by default; another machine's number makes ELF shapes of other binaries (lab tests).</summary>
    public ushort Machine { get; init; } = 247;

    private readonly List<Section> _sections = [new(string.Empty, 0, 0, [], 0, 0, 0)];
    private readonly List<Symbol> _symbols = [new(string.Empty, 0, 0, 0, 0, 0)];
    private readonly List<Reloc> _relocs = [];

    /// <summary>One BPF instruction, little-endian.</summary>
    public static byte[] Insn(byte opcode, byte dst = 0, byte src = 0, short off = 0, int imm = 0)
    {
        var b = new byte[8];
        b[0] = opcode;
        b[1] = (byte)((src << 4) | (dst & 0xf));
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(2), off);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), imm);
        return b;
    }

    public static byte[] Code(params byte[][] insns) => insns.SelectMany(i => i).ToArray();

    public static readonly byte[] Exit = Insn(0x95);
    public static byte[] MovImm(byte dst, int imm) => Insn(0xb7, dst, 0, 0, imm);
    public static byte[] PseudoCall(int imm) => Insn(0x85, 0, 1, 0, imm);

    /// <summary>Adds a section; returns its index.</summary>
    public int AddSection(string name, uint type, ulong flags, byte[] data, uint link = 0, uint info = 0, ulong entSize = 0)
    {
        _sections.Add(new(name, type, flags, data, link, info, entSize));
        return _sections.Count - 1;
    }

    public int AddCode(string name, byte[] code) => AddSection(name, ShtProgbits, ShfAlloc | ShfExec, code);

    /// <summary>Adds a symbol; returns its index.</summary>
    public int AddSymbol(string name, int section, ulong value, ulong size, byte type = SttFunc, byte bind = StbGlobal)
    {
        _symbols.Add(new(name, value, size, bind, type, section));
        return _symbols.Count - 1;
    }

    /// <summary>A REL entry (R_BPF_64_64 = 1 for ld_imm64, R_BPF_64_32 = 10 for calls) in <paramref name="section"/>.</summary>
    public void AddRelocation(int section, ulong offset, int symbol, uint type) => _relocs.Add(new(section, offset, symbol, type));

    public byte[] Build(string license = "GPL")
    {
        AddSection("license", ShtProgbits, ShfAlloc | ShfWrite, Encoding.ASCII.GetBytes(license + "\0"));
        var strtab = new StringTable();
        var extended = _sections.Count + 5 >= ShnLoreserve;
        var symtab = new byte[_symbols.Count * 24];
        var shndx = new byte[_symbols.Count * 4];
        // Locals first (sh_info = first global), as ELF wants.
        var ordered = _symbols.Select((s, i) => (s, i)).OrderBy(x => x.i == 0 ? 0 : x.s.Bind == StbLocal ? 1 : 2).ToList();
        var newIndex = new int[_symbols.Count];
        for (var k = 0; k < ordered.Count; k++) newIndex[ordered[k].i] = k;
        for (var k = 0; k < ordered.Count; k++)
        {
            var s = ordered[k].s;
            var e = symtab.AsSpan(k * 24, 24);
            BinaryPrimitives.WriteUInt32LittleEndian(e, k == 0 ? 0 : strtab.Add(s.Name));
            e[4] = (byte)((s.Bind << 4) | s.Type);
            var big = s.Section >= ShnLoreserve;
            BinaryPrimitives.WriteUInt16LittleEndian(e[6..], (ushort)(big ? ShnXindex : s.Section));
            BinaryPrimitives.WriteUInt32LittleEndian(shndx.AsSpan(k * 4), (uint)s.Section);
            BinaryPrimitives.WriteUInt64LittleEndian(e[8..], s.Value);
            BinaryPrimitives.WriteUInt64LittleEndian(e[16..], s.Size);
        }
        var firstGlobal = (uint)ordered.FindIndex(x => x.s.Bind != StbLocal && x.i != 0);
        if (firstGlobal == uint.MaxValue) firstGlobal = (uint)ordered.Count;
        var strIndex = AddSection(".strtab", ShtStrtab, 0, []);
        var symIndex = AddSection(".symtab", ShtSymtab, 0, symtab, (uint)strIndex, firstGlobal, 24);
        if (extended) AddSection(".symtab_shndx", ShtSymtabShndx, 0, shndx, (uint)symIndex, 0, 4);
        foreach (var group in _relocs.GroupBy(r => r.Section))
        {
            var data = new byte[group.Count() * 16];
            var i = 0;
            foreach (var r in group)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(i * 16), r.Offset);
                BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(i * 16 + 8), ((ulong)(uint)newIndex[r.Symbol] << 32) | r.Type);
                i++;
            }
            AddSection(".rel" + _sections[group.Key].Name, ShtRel, 0, data, (uint)symIndex, (uint)group.Key, 16);
        }
        _sections[strIndex] = _sections[strIndex] with { Data = strtab.ToArray() };
        var shstrtab = new StringTable();
        var names = _sections.Select(s => s.Name.Length == 0 ? 0u : shstrtab.Add(s.Name)).ToList();
        var shstrIndex = _sections.Count;
        names.Add(shstrtab.Add(".shstrtab"));
        _sections.Add(new(".shstrtab", ShtStrtab, 0, shstrtab.ToArray(), 0, 0, 0));
        return Layout(names, shstrIndex, extended);
    }

    private byte[] Layout(List<uint> names, int shstrIndex, bool extended)
    {
        using var ms = new MemoryStream();
        ms.Write(new byte[64]);
        var offsets = new ulong[_sections.Count];
        for (var i = 1; i < _sections.Count; i++)
        {
            while (ms.Length % 8 != 0) ms.WriteByte(0);
            offsets[i] = (ulong)ms.Length;
            ms.Write(_sections[i].Data);
        }
        while (ms.Length % 8 != 0) ms.WriteByte(0);
        var shoff = (ulong)ms.Length;
        var h = new byte[64];
        for (var i = 0; i < _sections.Count; i++)
        {
            Array.Clear(h);
            var s = _sections[i];
            BinaryPrimitives.WriteUInt32LittleEndian(h, names[i]);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), s.Type);
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(8), s.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(24), offsets[i]);
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(32), i == 0 && extended ? (ulong)_sections.Count : (ulong)s.Data.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(40), i == 0 && extended ? (uint)shstrIndex : s.Link);
            BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(44), s.Info);
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(48), i == 0 ? 0UL : 8UL);
            BinaryPrimitives.WriteUInt64LittleEndian(h.AsSpan(56), s.EntSize);
            ms.Write(h);
        }
        var bytes = ms.ToArray();
        var e = bytes.AsSpan();
        e[0] = 0x7f; e[1] = (byte)'E'; e[2] = (byte)'L'; e[3] = (byte)'F'; e[4] = 2; e[5] = 1; e[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(e[16..], 1);   // ET_REL
        BinaryPrimitives.WriteUInt16LittleEndian(e[18..], Machine); // EM_BPF unless told
        BinaryPrimitives.WriteUInt32LittleEndian(e[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(e[40..], shoff);
        BinaryPrimitives.WriteUInt16LittleEndian(e[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(e[58..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(e[60..], (ushort)(extended ? 0 : _sections.Count));
        BinaryPrimitives.WriteUInt16LittleEndian(e[62..], (ushort)(extended ? ShnXindex : shstrIndex));
        return bytes;
    }

    private sealed class StringTable
    {
        private readonly MemoryStream _bytes = new();
        public StringTable() => _bytes.WriteByte(0);
        public uint Add(string s)
        {
            var at = (uint)_bytes.Length;
            _bytes.Write(Encoding.UTF8.GetBytes(s));
            _bytes.WriteByte(0);
            return at;
        }
        public byte[] ToArray() => _bytes.ToArray();
    }
}
