using CompatService.Engine.Analysis;
using CompatService.Engine.Asm;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// Loads from frozen read-only maps (.rodata as shipped, .kconfig) at constant offsets are constants for the verifier
/// (bpf_map_is_rdonly + bpf_map_direct_read); the walk must fold them, in the object's byte order, and nothing else.
/// </summary>
public sealed class ReachabilityMemoryTests
{
    private const int Poison = 2002000000;
    // r1 = map_value ll (global data: libbpf's PSEUDO_MAP_VALUE); insns 0–1
    private static readonly Instruction[] Ptr = [new(0x18, 1, 0, 0, 0), new(0, 0, 0, 0, 0)];
    private static Instruction Ldx(byte sizeBits, int dst, int src, short off) => new((byte)(0x61 | sizeBits), (byte)dst, (byte)src, off, 0);
    private static Instruction JneImm(int dst, int imm, short off) => new(0x55, (byte)dst, 0, off, imm);
    private static Instruction JeqImm(int dst, int imm, short off) => new(0x15, (byte)dst, 0, off, imm);
    private static Instruction Add64Imm(int dst, int imm) => new(0x07, (byte)dst, 0, 0, imm);
    private static Instruction Call(int imm) => new(0x85, 0, 0, 0, imm);
    private static readonly Instruction Exit = new(0x95, 0, 0, 0, 0);
    private static readonly Instruction Ret0 = new(0xb7, 0, 0, 0, 0);

    private static ReachabilityResult Run(Instruction[] p, int poisonAt, ConstantMemory memory) =>
        ReachabilityAnalyzer.Analyze(p, new HashSet<int> { poisonAt }, null, memory);

    private static ConstantMemory Rodata(byte[] bytes, bool bigEndian = false, bool readOnly = true, bool asShipped = true, bool[]? known = null) =>
        ConstantMemory.ForTests(bigEndian, (0, asShipped ? ".rodata" : ".kconfig", bytes, known, readOnly, asShipped));

    [Fact]
    public void RodataZero_GatesTheCall_AndTheWalkSaysItReadShippedData()
    {
        // r2 = *(u32 *)(r1 + 0); if r2 == 0 goto +1; call poison; r0 = 0; exit
        Instruction[] p = [.. Ptr, Ldx(0x00, 2, 1, 0), JeqImm(2, 0, 1), Call(Poison), Ret0, Exit];
        var r = Run(p, 4, Rodata([0, 0, 0, 0]));
        Assert.Empty(r.ReachedPoisonCalls);
        Assert.False(r.IsVisited(4));
        Assert.True(r.ReadShippedData);
        Assert.Equal([(".rodata", 0L)], r.ShippedReads);
        // Without the shipped values (what a loader may write instead) both branches are open.
        Assert.Equal([4], Run(p, 4, Rodata([0, 0, 0, 0]).WithoutShipped()).ReachedPoisonCalls);
    }

    [Theory]
    [InlineData(false, new byte[] { 2, 0, 0, 0 })]
    [InlineData(true, new byte[] { 0, 0, 0, 2 })]
    public void WordValue_IsReadInTheObjectsByteOrder(bool bigEndian, byte[] bytes)
    {
        // if (*(u32 *)(r1 + 0) != 2) call poison
        Instruction[] p = [.. Ptr, Ldx(0x00, 2, 1, 0), JeqImm(2, 2, 1), Call(Poison), Ret0, Exit];
        Assert.Empty(Run(p, 4, Rodata(bytes, bigEndian)).ReachedPoisonCalls);
        Assert.Equal([4], Run(p, 4, Rodata(bytes, !bigEndian)).ReachedPoisonCalls);
    }

    [Fact]
    public void PointerArithmetic_AndNarrowLoads_ReadTheRightBytes()
    {
        // r1 += 4; r2 = *(u8 *)(r1 + 1) → byte 5 = 7; r3 = *(u16 *)(r1 + 2) → bytes 6..7 = 0x0102 (little endian)
        Instruction[] p = [.. Ptr, Add64Imm(1, 4), Ldx(0x10, 2, 1, 1), Ldx(0x08, 3, 1, 2), JneImm(2, 7, 2), JneImm(3, 0x0102, 1), new(0x05, 0, 0, 1, 0), Call(Poison), Ret0, Exit];
        var r = Run(p, 8, Rodata([0, 0, 0, 0, 0, 7, 2, 1]));
        Assert.Empty(r.ReachedPoisonCalls);
    }

    [Fact]
    public void WritableData_IsNotAConstant()
    {
        Instruction[] p = [.. Ptr, Ldx(0x00, 2, 1, 0), JeqImm(2, 0, 1), Call(Poison), Ret0, Exit];
        Assert.Equal([4], Run(p, 4, Rodata([0, 0, 0, 0], readOnly: false, asShipped: false)).ReachedPoisonCalls);
    }

    [Fact]
    public void OutOfBounds_OrUnknownBytes_AreNotConstants()
    {
        Instruction[] p = [.. Ptr, Ldx(0x00, 2, 1, 2), JeqImm(2, 0, 1), Call(Poison), Ret0, Exit];
        Assert.Equal([4], Run(p, 4, Rodata([0, 0, 0, 0])).ReachedPoisonCalls); // bytes 2..5 of a 4-byte value
        // .kconfig whose value is unknown (no config for that kernel): both branches stay open but only possibly
        // (speculative), so a rule can say "unknown" instead of a guessed "fails"; nothing is "as shipped".
        Instruction[] q = [.. Ptr, Ldx(0x00, 2, 1, 0), JeqImm(2, 0, 1), Call(Poison), Ret0, Exit];
        var r = Run(q, 4, Rodata([0, 0, 0, 0], asShipped: false, known: [false, false, false, false]));
        Assert.Empty(r.ReachedPoisonCalls);
        Assert.False(r.IsVisited(4));
        Assert.Equal([4], r.Possible!.ReachedPoisonCalls);
        Assert.Equal([0L], r.UndecidedReads);
        Assert.False(r.ReadShippedData);
        // Known .kconfig bytes decide like constants.
        Assert.Empty(Run(q, 4, Rodata([0, 0, 0, 0], asShipped: false, known: [true, true, true, true])).ReachedPoisonCalls);
    }

    [Fact]
    public void UndecidedValue_ThroughAluAndSpill_StaysSpeculative_WhileOtherPathsStayDefinite()
    {
        // r2 = *(u32 *)(r1 + 0) (undecided); r2 &= 1; *(u32 *)(r10 - 4) = r2; r3 = *(u32 *)(r10 - 4);
        // if r3 == 0 goto +1; call poison (7); call poison (8). Both successors of the undecided branch are speculative —
        // even insn 8, which either way reaches (a known imprecision: "unknown" there, never a guessed verdict).
        Instruction[] p = [.. Ptr, Ldx(0x00, 2, 1, 0), new(0x57, 2, 0, 0, 1), new(0x63, 10, 2, -4, 0), Ldx(0x00, 3, 10, -4),
            JeqImm(3, 0, 1), Call(Poison), Call(Poison + 1), Exit];
        var r = ReachabilityAnalyzer.Analyze(p, new HashSet<int> { 7, 8 }, null, Rodata([0, 0, 0, 0], asShipped: false, known: [false, false, false, false]));
        Assert.Empty(r.ReachedPoisonCalls);
        Assert.True(r.IsVisited(6));
        Assert.Equal([7, 8], r.Possible!.ReachedPoisonCalls);
    }

    [Fact]
    public void SignExtendingLoad_FoldsTheSignedValue()
    {
        // r2 = *(s8 *)(r1 + 0) (LDSX, cpu v4) of 0xff → -1; if r2 != -1 call poison
        Instruction[] p = [.. Ptr, new(0x91, 2, 1, 0, 0), JeqImm(2, -1, 1), Call(Poison), Ret0, Exit];
        Assert.Empty(Run(p, 4, Rodata([0xff])).ReachedPoisonCalls);
    }
}
