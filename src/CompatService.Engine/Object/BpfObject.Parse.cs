using CompatService.Engine.Asm;
using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using static CompatService.Engine.Elf.ElfConstants;

namespace CompatService.Engine.Object;

public sealed partial class BpfObject
{
    /// <summary>
    /// Parses a BPF relocatable ELF. Throws <see cref="BpfFormatException"/> when the bytes are malformed;
    /// conditions under which libbpf refuses to open a well-formed object go to <see cref="OpenErrors"/>. The work (ELF
    /// sections and symbols, BTF types, instructions decoded and linked) is charged to <paramref name="budget"/> when given.
    /// </summary>
    public static BpfObject Parse(ReadOnlyMemory<byte> bytes, AnalysisBudget? budget = null)
    {
        budget ??= AnalysisBudget.Unlimited();
        var elf = ElfFile.Parse(bytes);
        budget.Charge(elf.Sections.Count + (long)elf.Symbols.Count, $"object: {elf.Sections.Count} ELF sections and {elf.Symbols.Count} symbols");
        if (elf.Machine != EmBpf) throw new BpfFormatException($"not a BPF object: e_machine is {elf.Machine}, expected {EmBpf} (EM_BPF)", 18);
        if (elf.Type != EtRel) throw new BpfFormatException($"not a relocatable object: e_type is {elf.Type}, expected 1 (ET_REL)", 16);

        var openErrors = new List<ObjectProblem>();
        BtfSpec? btf = null;
        BtfExt? btfExt = null;
        if (elf.FindSection(".BTF") is { } btfSection) btf = BtfSpec.Parse(btfSection.Data, null, ".BTF", budget);
        if (btf is not null && elf.FindSection(".BTF.ext") is { } extSection) btfExt = BtfExt.Parse(extSection.Data, btf);

        var license = ReadLicense(elf);
        uint? version = null;
        if (elf.FindSection("version") is { } v && v.Data.Length >= 4) version = elf.Endian.U32(v.Data.Span);

        var externs = ExternCollector.Collect(elf, btf, openErrors);
        var maps = MapCollector.Collect(elf, btf, openErrors);
        var programs = ProgramLinker.LinkAll(elf, externs, maps, openErrors, budget);

        return new BpfObject
        {
            Elf = elf,
            Btf = btf,
            BtfExt = btfExt,
            License = license,
            KernelVersion = version,
            Programs = programs,
            Maps = maps,
            Externs = externs,
            StructOps = StructOpsCollector.Collect(elf, btf),
            OpenErrors = openErrors,
        };
    }

    private static string? ReadLicense(ElfFile elf)
    {
        var section = elf.FindSection("license");
        if (section is null) return null;
        var span = section.Data.Span;
        var end = span.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    /// <summary>Finds a program by name.</summary>
    public BpfProgram? FindProgram(string name)
    {
        foreach (var p in Programs) if (p.Name == name) return p;
        return null;
    }

    internal static Instruction[] DecodeSection(ElfSection section, Endian endian) =>
        Instruction.DecodeAll(section.Data.Span, endian, section.Name);
}
