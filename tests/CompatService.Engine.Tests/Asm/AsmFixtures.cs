using CompatService.Engine.Asm;
using CompatService.Engine.Elf;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.AsmTests;

/// <summary>The instruction-set fixtures in tests/fixtures/asm (built by build.sh there) and code-section helpers.</summary>
internal static class AsmFixtures
{
    public static string Directory => Path.Combine(TestPaths.Fixtures, "asm");

    /// <summary>Object file names: ops (clang-14, cpu v3) and cpuv4 (clang-19, cpu v4), each bpfel and bpfeb.</summary>
    public static readonly string[] Objects = ["ops.bpfel.o", "ops.bpfeb.o", "cpuv4.bpfel.o", "cpuv4.bpfeb.o"];

    public static string PathOf(string name) => Path.Combine(Directory, name);

    public static ElfFile Load(string path) => ElfFile.Parse(File.ReadAllBytes(path));

    /// <summary>Executable sections with contents (what libbpf treats as code: SHF_EXECINSTR, PROGBITS, non-empty).</summary>
    public static IEnumerable<ElfSection> CodeSections(ElfFile elf) =>
        elf.Sections.Where(s => s.IsExecutable && !s.IsNoBits && s.Size > 0);

    public static Instruction[] Decode(ElfFile elf, ElfSection section) =>
        Instruction.DecodeAll(section.Data.Span, elf.Endian, section.Name);
}
