using static CompatService.Tests.Shared.BpfElfWriter;

namespace CompatService.Tests.Shared;

/// <summary>
/// Generators for the hostile inputs too large to commit (../shared/repro/hostile-input/README.md): a chain of
/// sub-programs, one program of a million instructions, tens of thousands of program sections; and small ones built
/// from scratch so the defect they pin is visible in the code.
/// </summary>
public static class HostileObjects
{
    /// <summary>An xdp program calling f0, each fi calling f(i+1): <paramref name="count"/> sub-programs in .text.</summary>
    public static byte[] CallChain(int count)
    {
        var w = new BpfElfWriter();
        var xdp = w.AddCode("xdp", Code(PseudoCall(-1), Exit));
        var text = new byte[count * 16];
        for (var i = 0; i < count; i++)
            (i + 1 < count ? Code(PseudoCall(1), Exit) : Code(MovImm(0, 2), Exit)).CopyTo(text, i * 16);
        var t = w.AddCode(".text", text);
        w.AddSymbol("p", xdp, 0, 16);
        var f0 = 0;
        for (var i = 0; i < count; i++)
        {
            var s = w.AddSymbol($"f{i}", t, (ulong)i * 16, 16, SttFunc, StbLocal);
            if (i == 0) f0 = s;
        }
        w.AddRelocation(xdp, 0, f0, 10);
        return w.Build();
    }

    /// <summary>
    /// One xdp program of <paramref name="insns"/> instructions: ALU work with a forward conditional jump every
    /// <paramref name="branchEvery"/> instructions (0: straight line), ending in exit.
    /// </summary>
    public static byte[] BigProgram(int insns, int branchEvery = 0)
    {
        var code = new byte[insns * 8];
        for (var i = 0; i < insns - 1; i++)
        {
            var insn = branchEvery > 0 && i % branchEvery == branchEvery - 1 && i + 2 < insns
                ? Insn(0x25, 0, 0, 1, 1000) // if r0 > 1000 goto +1
                : i == 0 ? MovImm(0, 0) : Insn(0x07, 0, 0, 0, 1); // r0 += 1
            insn.CopyTo(code, i * 8);
        }
        Exit.CopyTo(code, (insns - 1) * 8);
        var w = new BpfElfWriter();
        var s = w.AddCode("xdp", code);
        w.AddSymbol("big", s, 0, (ulong)code.Length);
        return w.Build();
    }

    /// <summary>
    /// One xdp program of about <paramref name="insns"/> instructions whose every pair is a branch on a value the walk cannot
    /// know (loaded from the context) and a constant written to one of r2–r8 on the fall-through: the paths differ in
    /// registers, so the reachability walk keeps up to its per-instruction bound of distinct states everywhere (its
    /// worst case, a multiple of the instruction count).
    /// </summary>
    public static byte[] BranchyProgram(int insns)
    {
        var pairs = Math.Max(1, (insns - 2) / 2);
        var code = new byte[(pairs * 2 + 2) * 8];
        Insn(0x61, 0, 1).CopyTo(code, 0); // r0 = *(u32 *)(r1 + 0)
        for (var i = 0; i < pairs; i++)
        {
            Insn(0x25, 0, 0, 1, 1000 + i).CopyTo(code, (1 + 2 * i) * 8);    // if r0 > 1000 + i goto +1
            MovImm((byte)(2 + i % 7), i).CopyTo(code, (2 + 2 * i) * 8);   // r(2 + i % 7) = i
        }
        Exit.CopyTo(code, (pairs * 2 + 1) * 8);
        var w = new BpfElfWriter();
        var s = w.AddCode("xdp", code);
        w.AddSymbol("branchy", s, 0, (ulong)code.Length);
        return w.Build();
    }

    /// <summary><paramref name="count"/> program sections (xdp/N), each with one two-instruction program.</summary>
    public static byte[] ManySections(int count)
    {
        var w = new BpfElfWriter();
        var code = Code(MovImm(0, 2), Exit);
        for (var i = 0; i < count; i++)
        {
            var s = w.AddCode("xdp", code);
            w.AddSymbol($"p{i}", s, 0, 16);
        }
        return w.Build();
    }

    /// <summary>
    /// Program p (mov, ld_imm64, exit) whose FUNC size (16 bytes) cuts the ld_imm64 in half; the ld_imm64 takes the
    /// address of q in .text, not yet placed. Linked naively, q's first instruction is overwritten by the second half.
    /// </summary>
    public static byte[] LdImm64CutBeforeUnplacedTarget()
    {
        var w = new BpfElfWriter();
        var xdp = w.AddCode("xdp", Code(MovImm(0, 0), Insn(0x18, 1), Insn(0), Exit));
        var text = w.AddCode(".text", Code(MovImm(0, 1), Exit));
        w.AddSymbol("p", xdp, 0, 16);
        var q = w.AddSymbol("q", text, 0, 16, SttFunc, StbLocal);
        w.AddRelocation(xdp, 8, q, 1);
        return w.Build();
    }

    /// <summary>A program that calls itself (a self call at its first instruction).</summary>
    public static byte[] SelfCall()
    {
        var w = new BpfElfWriter();
        var xdp = w.AddCode("xdp", Code(MovImm(0, 0), PseudoCall(-1), Exit));
        var text = w.AddCode(".text", Code(PseudoCall(-1), Exit));
        w.AddSymbol("p", xdp, 0, 24);
        w.AddSymbol("g", text, 0, 16, SttFunc, StbLocal);
        w.AddRelocation(xdp, 8, w.AddSymbol(".text", text, 0, 0, SttSection, StbLocal), 10);
        return w.Build();
    }
}
