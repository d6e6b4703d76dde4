using System.Buffers.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>
/// Records of one kind in the kernel's layout, as BPF_PROG_LOAD takes them: <c>*_rec_size</c>, the records and <c>*_cnt</c>.
/// </summary>
public readonly record struct ExtInfoRecords(uint RecSize, ReadOnlyMemory<byte> Records, uint Count);

/// <summary>func_info / line_info records for one linked program, in the kernel's layout (insn_off in instructions).</summary>
public sealed record ExtInfo(ExtInfoRecords FuncInfo, ExtInfoRecords LineInfo)
{
    public const uint FuncInfoRecSize = 8, LineInfoRecSize = 16;
    public static readonly ExtInfo None = new(new(FuncInfoRecSize, ReadOnlyMemory<byte>.Empty, 0), new(LineInfoRecSize, ReadOnlyMemory<byte>.Empty, 0));
}

/// <summary>
/// Builds a program's func_info and line_info from .BTF.ext the way libbpf's adjust_prog_btf_ext_info does: the
/// records of the entry program's instruction range (byte offsets → instruction index relative to the program),
/// then those of each appended sub-program shifted to where it was placed.
/// </summary>
public static class ExtInfoBuilder
{
    public static ExtInfo Build(BpfObject obj, BpfProgram program)
    {
        if (obj.BtfExt is not { } ext) return ExtInfo.None;
        var pieces = new List<(string Section, long Start, int Length, int Placed)>
        {
            (program.SectionName, (long)program.SectionOffset / 8, program.OwnLength, 0),
        };
        foreach (var sub in program.Subprograms)
        {
            var sym = FindFunc(obj.Elf, sub.Name);
            if (sym is null || sym.SectionIndex <= 0 || sym.SectionIndex >= obj.Elf.Sections.Count) return ExtInfo.None;
            pieces.Add((obj.Elf.Sections[sym.SectionIndex].Name, (long)sym.Value / 8, sub.Length, sub.StartInsn));
        }

        var funcs = new List<(uint Insn, uint Type)>();
        var lines = new List<(uint Insn, BtfLineInfo Info)>();
        foreach (var (section, start, length, placed) in pieces)
        {
            if (ext.FuncInfos.TryGetValue(section, out var fi))
                foreach (var r in fi)
                    if (InRange(r.InsnOffset, start, length, out var rel)) funcs.Add(((uint)(placed + rel), (uint)r.TypeId.Value));
            if (ext.LineInfos.TryGetValue(section, out var li))
                foreach (var r in li)
                    if (InRange(r.InsnOffset, start, length, out var rel)) lines.Add(((uint)(placed + rel), r));
        }
        funcs.Sort((a, b) => a.Insn.CompareTo(b.Insn));
        lines.Sort((a, b) => a.Insn.CompareTo(b.Insn));
        // A program without func_info at insn 0 cannot pass any (the kernel requires the first record at 0).
        if (funcs.Count == 0 || funcs[0].Insn != 0) return ExtInfo.None;

        var f = new byte[funcs.Count * ExtInfo.FuncInfoRecSize];
        for (var i = 0; i < funcs.Count; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(i * 8), funcs[i].Insn);
            BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(i * 8 + 4), funcs[i].Type);
        }
        var l = new byte[lines.Count * ExtInfo.LineInfoRecSize];
        for (var i = 0; i < lines.Count; i++)
        {
            var s = l.AsSpan(i * 16);
            var (insn, info) = lines[i];
            BinaryPrimitives.WriteUInt32LittleEndian(s, insn);
            BinaryPrimitives.WriteUInt32LittleEndian(s[4..], info.FileNameOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(s[8..], info.LineOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(s[12..], (info.Line << 10) | (info.Column & 0x3ff));
        }
        return new ExtInfo(new(ExtInfo.FuncInfoRecSize, f, (uint)funcs.Count), new(ExtInfo.LineInfoRecSize, l, (uint)lines.Count));
    }

    private static bool InRange(uint byteOffset, long start, int length, out long rel)
    {
        rel = byteOffset / 8 - start;
        return byteOffset % 8 == 0 && rel >= 0 && rel < length;
    }

    private static ElfSymbol? FindFunc(ElfFile elf, string name)
    {
        foreach (var s in elf.Symbols)
            if (s.Type == ElfConstants.SttFunc && s.Name == name && !s.IsUndefined) return s;
        return null;
    }
}
