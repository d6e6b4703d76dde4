using CompatService.Engine.Analysis;
using CompatService.Engine.Asm;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>The path walk on hand-assembled programs: what the verifier visits once fixups are applied.</summary>
public sealed class ReachabilityAnalyzerTests
{
    private static Instruction Mov64Imm(int dst, int imm) => new(0xb7, (byte)dst, 0, 0, imm);
    private static Instruction Mov64Reg(int dst, int src) => new(0xbf, (byte)dst, (byte)src, 0, 0);
    private static Instruction[] LdImm64(int dst, long value, byte src = 0) =>
        [new(0x18, (byte)dst, src, 0, (int)value), new(0, 0, 0, 0, (int)(value >> 32))];
    private static Instruction JeqImm(int dst, int imm, short off) => new(0x15, (byte)dst, 0, off, imm);
    private static Instruction JneImm(int dst, int imm, short off) => new(0x55, (byte)dst, 0, off, imm);
    private static Instruction Jeq32Imm(int dst, int imm, short off) => new(0x16, (byte)dst, 0, off, imm);
    private static Instruction Ja(short off) => new(0x05, 0, 0, off, 0);
    private static Instruction Call(int imm) => new(0x85, 0, 0, 0, imm);
    private static Instruction PseudoCall(int rel) => new(0x85, 0, 1, 0, rel);
    private static Instruction StxDw(int dst, short off, int src) => new(0x7b, (byte)dst, (byte)src, off, 0);
    private static Instruction LdxDw(int dst, int src, short off) => new(0x79, (byte)dst, (byte)src, off, 0);
    private static Instruction StxW(int dst, short off, int src) => new(0x63, (byte)dst, (byte)src, off, 0);
    private static Instruction LdxW(int dst, int src, short off) => new(0x61, (byte)dst, (byte)src, off, 0);
    private static Instruction Add64Imm(int dst, int imm) => new(0x07, (byte)dst, 0, 0, imm);
    private static Instruction Exit => new(0x95, 0, 0, 0, 0);
    private const int Poison = 2002000000;

    private static ReachabilityResult Run(Instruction[] insns, params int[] poison) =>
        ReachabilityAnalyzer.Analyze(insns, poison.ToHashSet());

    [Fact]
    public void ZeroLdImm64_GuardsTheCall_PoisonNotReached()
    {
        // r1 = 0 ll (unresolved weak); if r1 == 0 goto exit; call poison; exit
        Instruction[] p = [.. LdImm64(1, 0), JeqImm(1, 0, 1), Call(Poison), Mov64Imm(0, 0), Exit];
        var r = Run(p, 3);
        Assert.Empty(r.ReachedPoisonCalls);
        Assert.False(r.IsVisited(3));
        Assert.True(r.IsVisited(5));
    }

    [Fact]
    public void NonNullLdImm64_TakesTheGuardedPath()
    {
        // r1 = <btf id> ll (src 3: present kfunc); if r1 == 0 goto +1; call; exit → the call is reached, the skip is not forced
        Instruction[] p = [.. LdImm64(1, 1234, src: 3), JeqImm(1, 0, 1), Call(Poison), Mov64Imm(0, 0), Exit];
        var r = Run(p, 3);
        Assert.Equal([3], r.ReachedPoisonCalls);
    }

    [Fact]
    public void UnguardedPoisonedCall_IsReached()
    {
        Instruction[] p = [Mov64Imm(1, 0), Call(Poison), Exit];
        Assert.Equal([1], Run(p, 1).ReachedPoisonCalls);
    }

    [Fact]
    public void GuardThroughSpilledRegister_SurvivesHelperCallClobber()
    {
        // r1 = 0 ll; *(u64 *)(r10 - 8) = r1; call 5 (clobbers r1-r5); r1 = *(u64 *)(r10 - 8); if r1 == 0 goto +1; call poison; exit
        Instruction[] p = [.. LdImm64(1, 0), StxDw(10, -8, 1), Call(5), LdxDw(1, 10, -8), JeqImm(1, 0, 1), Call(Poison), Exit];
        var r = Run(p, 6);
        Assert.Empty(r.ReachedPoisonCalls);
    }

    [Fact]
    public void GuardThroughStackPointerInAnotherRegister_IsTracked()
    {
        // r2 = r10; r2 += -16; r1 = 0 ll; *(u64 *)(r2 + 0) = r1; r3 = *(u64 *)(r10 - 16); if r3 != 0 goto +1; exit; call poison; exit
        Instruction[] p = [Mov64Reg(2, 10), Add64Imm(2, -16), .. LdImm64(1, 0), StxDw(2, 0, 1), LdxDw(3, 10, -16), JneImm(3, 0, 1), Exit, Call(Poison), Exit];
        Assert.Empty(Run(p, 8).ReachedPoisonCalls);
    }

    [Fact]
    public void NarrowConstantSpill_IsTracked_LikeTheVerifier()
    {
        // r2 = 0; *(u32 *)(r10 - 4) = r2; r3 = *(u32 *)(r10 - 4); if r3 == 0 goto +1; call poison; exit
        Instruction[] p = [Mov64Imm(2, 0), StxW(10, -4, 2), LdxW(3, 10, -4), JeqImm(3, 0, 1), Call(Poison), Exit];
        Assert.Empty(Run(p, 4).ReachedPoisonCalls);
    }

    [Fact]
    public void OverwrittenSpillSlot_LosesTheConstant()
    {
        // the slot is overwritten with an unknown value before the reload: the call becomes reachable
        Instruction[] p = [.. LdImm64(1, 0), StxDw(10, -8, 1), Call(7), StxDw(10, -8, 0), LdxDw(1, 10, -8), JeqImm(1, 0, 1), Call(Poison), Exit];
        Assert.Equal([7], Run(p, 7).ReachedPoisonCalls);
    }

    [Fact]
    public void Jmp32_OnKnownZero_IsDecided()
    {
        Instruction[] p = [.. LdImm64(1, 0), Jeq32Imm(1, 0, 1), Call(Poison), Exit];
        Assert.Empty(Run(p, 3).ReachedPoisonCalls);
    }

    [Fact]
    public void PathSensitivity_CorrelatedBranches_DoNotMergeIntoAFalseReach()
    {
        // r6 = unknown; if r6 == 0 { r7 = 0 } else { r7 = 1 }; if r6 != 0 exit; if r7 != 0 call poison; exit
        // Only a path-sensitive walk knows r7 == 0 whenever r6 == 0.
        Instruction[] p =
        [
            Call(1), Mov64Reg(6, 0), JeqImm(6, 0, 2), Mov64Imm(7, 1), Ja(1), Mov64Imm(7, 0),
            JneImm(6, 0, 2), JneImm(7, 0, 2), Exit, Exit, Call(Poison), Exit,
        ];
        var r = Run(p, 10);
        Assert.Empty(r.ReachedPoisonCalls);
        Assert.True(r.IsVisited(8));
        Assert.True(r.IsVisited(9));
    }

    [Fact]
    public void UnknownCondition_ReachesBothBranches()
    {
        Instruction[] p = [Call(1), JeqImm(0, 0, 1), Call(Poison), Exit];
        Assert.Equal([2], Run(p, 2).ReachedPoisonCalls);
    }

    [Fact]
    public void SubprogramCall_PassesArgumentsAndReturns()
    {
        // main: r1 = 0 ll; call sub(+2 rel); exit-ish...; sub: if r1 == 0 goto +1; call poison; exit
        Instruction[] p = [.. LdImm64(1, 0), PseudoCall(2), Mov64Imm(0, 0), Exit, JeqImm(1, 0, 1), Call(Poison), Exit];
        var r = Run(p, 6);
        Assert.Empty(r.ReachedPoisonCalls);
        Assert.True(r.IsVisited(3)); // returned to the caller
        Assert.True(r.IsVisited(5));
    }

    [Fact]
    public void CalleeSavedRegisters_SurviveASubprogramCall()
    {
        // r6 = 0; call sub; if r6 == 0 goto +1; call poison; exit; sub: r6 = 1; r0 = 0; exit
        Instruction[] p = [Mov64Imm(6, 0), PseudoCall(3), JeqImm(6, 0, 1), Call(Poison), Exit, Mov64Imm(6, 1), Mov64Imm(0, 0), Exit];
        Assert.Empty(Run(p, 3).ReachedPoisonCalls);
    }

    [Fact]
    public void BoundedLoop_Terminates_AndVisitsTheBody()
    {
        // r1 = 0; loop: r1 += 1; if r1 < 1000 goto loop (JLT); exit
        Instruction[] p = [Mov64Imm(1, 0), Add64Imm(1, 1), new(0xa5, 1, 0, -2, 1000), Mov64Imm(0, 0), Exit];
        var r = Run(p);
        Assert.True(r.IsVisited(4));
        Assert.True(r.Widened);
    }
}
