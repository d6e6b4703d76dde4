using CompatService.Engine.Analysis;
using CompatService.Engine.Asm;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>The walk folds every ALU op on constants like the verifier (issue 9 §3), before any "non-null" shortcut.</summary>
public sealed class ReachabilityFoldingTests
{
    private static Instruction Mov64Imm(int dst, int imm) => new(0xb7, (byte)dst, 0, 0, imm);
    private static Instruction[] LdImm64(int dst, long value, byte src = 0) =>
        [new(0x18, (byte)dst, src, 0, (int)value), new(0, 0, 0, 0, (int)(value >> 32))];
    private static Instruction Alu64Reg(int op, int dst, int src) => new((byte)(0x0f | op), (byte)dst, (byte)src, 0, 0);
    private static Instruction Alu64Imm(int op, int dst, int imm) => new((byte)(0x07 | op), (byte)dst, 0, 0, imm);
    private static Instruction Alu32Imm(int op, int dst, int imm) => new((byte)(0x04 | op), (byte)dst, 0, 0, imm);
    private static Instruction JeqImm(int dst, int imm, short off) => new(0x15, (byte)dst, 0, off, imm);
    private static Instruction JneImm(int dst, int imm, short off) => new(0x55, (byte)dst, 0, off, imm);
    private static Instruction Call(int imm) => new(0x85, 0, 0, 0, imm);
    private static Instruction Exit => new(0x95, 0, 0, 0, 0);
    private const int Poison = 2002000000;

    /// <summary>
    /// clang's code for <c>if (bpf_ksym_exists(a) &amp;&amp; bpf_ksym_exists(b)) { a(); b(); }</c> with a missing (r4 = 0):
    /// <c>r3 = 1; if r4 == 0 goto +1; r3 = 0; r2 = 1; r2 |= r3 ... </c> — here both ksyms are the branch inputs.
    /// </summary>
    [Theory]
    [InlineData(0L, 1234L, false)] // a missing: the calls are dead
    [InlineData(1234L, 0L, false)] // b missing
    [InlineData(1234L, 1234L, true)] // both present: reached
    public void TwoKsymAndGuard_FoldsOrAndMask(long a, long b, bool reached)
    {
        byte SrcOf(long v) => v == 0 ? (byte)0 : (byte)3;
        Instruction[] p =
        [
            .. LdImm64(4, a, SrcOf(a)),          // 0-1
            .. LdImm64(5, b, SrcOf(b)),          // 2-3
            Mov64Imm(3, 1),                      // 4  r3 = 1 (a missing)
            JeqImm(4, 0, 1),                     // 5  if r4 == 0 goto 7
            Mov64Imm(3, 0),                      // 6  r3 = 0
            Mov64Imm(2, 1),                      // 7  r2 = 1 (b missing)
            JeqImm(5, 0, 1),                     // 8  if r5 == 0 goto 10
            Mov64Imm(2, 0),                      // 9  r2 = 0
            Alu64Reg(0x40, 2, 3),                // 10 r2 |= r3
            Alu64Imm(0x50, 2, 1),                // 11 r2 &= 1
            JneImm(2, 0, 1),                     // 12 if r2 != 0 goto 14
            Call(Poison),                        // 13 a()
            Mov64Imm(0, 0),                      // 14
            Exit,                                // 15
        ];
        var r = ReachabilityAnalyzer.Analyze(p, new HashSet<int> { 13 });
        Assert.Equal(reached, r.ReachedPoisonCalls.Contains(13));
    }

    [Theory]
    [InlineData(0x40, 0x0f, 0xf0, 0xff)]      // or
    [InlineData(0x50, 0x0f, 0x1c, 0x0c)]      // and
    [InlineData(0xa0, 0xff, 0x0f, 0xf0)]      // xor
    [InlineData(0x60, 1, 4, 16)]              // lsh
    [InlineData(0x70, 256, 4, 16)]            // rsh
    [InlineData(0xc0, -16, 2, -4)]            // arsh
    [InlineData(0x30, 7, 0, 0)]               // div by zero → 0
    [InlineData(0x90, 7, 0, 7)]               // mod by zero → dividend
    public void Fold64_MatchesVerifier(int op, long a, long b, long expected) =>
        Assert.Equal(expected, Fold(op, a, b, is64: true).Value);

    [Fact]
    public void Fold32_TruncatesAndZeroExtends()
    {
        Assert.Equal(0L, Fold(0x00, uint.MaxValue, 1, is64: false).Value);           // 0xffffffff + 1 wraps to 0
        Assert.Equal(0x7fffffffL, Fold(0x70, -1, 1, is64: false).Value);            // 32-bit rsh of 0xffffffff
        Assert.Equal(0xffffffffL, Fold(0xc0, -2, 1, is64: false).Value);            // arsh32 of -2 = -1, zero-extended
        Assert.Equal(long.MinValue, Fold(0x30, long.MinValue, -1, is64: true, signed: true).Value); // sdiv overflow wraps
    }

    [Fact]
    public void NegAndAlu32_AreFolded_DecideTheBranch()
    {
        // r1 = 1; r1 = -r1; w1 &= 0xff (→ 0xff); if r1 == 0xff goto +1; call poison; exit
        Instruction[] p = [Mov64Imm(1, 1), new(0x87, 1, 0, 0, 0), Alu32Imm(0x50, 1, 0xff), JeqImm(1, 0xff, 1), Call(Poison), Mov64Imm(0, 0), Exit];
        Assert.Empty(ReachabilityAnalyzer.Analyze(p, new HashSet<int> { 4 }).ReachedPoisonCalls);
    }

    private static (bool IsConst, long Value) Fold(int op, long a, long b, bool is64, bool signed = false)
    {
        var v = ReachabilityAnalyzer.FoldForTests(op, a, b, is64, signed);
        Assert.True(v.IsConst);
        return v;
    }
}
