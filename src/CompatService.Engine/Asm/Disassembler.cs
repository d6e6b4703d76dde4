namespace CompatService.Engine.Asm;

// CONTRACT STUB — replaced by the disassembler (asm helper).
public static class Disassembler
{
    public static string FormatProgram(IReadOnlyList<Instruction> insns) =>
        string.Concat(insns.Select((i, n) => $"{n,5}: {i}\n"));
}
