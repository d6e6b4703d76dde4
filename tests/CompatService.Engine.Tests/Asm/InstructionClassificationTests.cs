using CompatService.Engine.Asm;

namespace CompatService.Engine.Tests.AsmTests;

public class InstructionClassificationTests
{
    private static Instruction I(byte op, byte dst = 0, byte src = 0, short off = 0, int imm = 0) => new(op, dst, src, off, imm);

    private static int[] Regs(ushort mask) => Instruction.Registers(mask).ToArray();

    [Fact]
    public void OpcodeFields_SplitTheCodeByte()
    {
        var insn = I(0x5d, 1, 2, 3); // JMP | JNE | X
        Assert.Equal(Opcodes.ClassJmp, insn.Class);
        Assert.Equal(Opcodes.JmpJne, insn.Op);
        Assert.True(insn.IsSourceReg);
        var load = I(0x79, 0, 1, 8); // LDX | MEM | DW
        Assert.Equal(Opcodes.SizeDW, load.SizeField);
        Assert.Equal(Opcodes.ModeMem, load.Mode);
        Assert.Equal(Opcodes.LdImm64, I(0x18).OpCode);
    }

    [Fact]
    public void AluClasses_TellThirtyTwoFromSixtyFourBit()
    {
        Assert.True(I(0x04).IsAlu);
        Assert.False(I(0x04).IsAlu64);
        Assert.True(I(0x07).IsAlu64);
        Assert.True(I(0x07).IsAluAny && I(0x04).IsAluAny);
        Assert.False(I(0x05).IsAluAny);
    }

    [Fact]
    public void Moves_AreTellApart()
    {
        Assert.True(I(0xbf, 1, 2).IsRegisterMove);
        Assert.True(I(0xb7, 1, 0, 0, 5).IsMovImm);
        Assert.True(I(0xbf, 1, 2, 8).IsSignExtendingMove);
        Assert.False(I(0xbf, 1, 2, 8).IsRegisterMove);
        Assert.True(I(0xbf, 1, 2, 1, 1).IsAddressSpaceCast);
        Assert.False(I(0xbc, 1, 2, 1, 1).IsAddressSpaceCast); // 32-bit MOV with off 1 is not a cast
    }

    [Fact]
    public void CpuV4Arithmetic_IsRecognised()
    {
        Assert.True(I(0x3f, 1, 2, 1).IsSignedDivMod);
        Assert.True(I(0x9c, 1, 2, 1).IsSignedDivMod);
        Assert.False(I(0x3f, 1, 2, 0).IsSignedDivMod);
        Assert.True(I(0xd7, 1, 0, 0, 64).IsByteSwap);
        Assert.True(I(0xdc, 1, 0, 0, 64).IsEndian);
        Assert.False(I(0xdc, 1, 0, 0, 64).IsByteSwap);
    }

    [Theory]
    [InlineData(0x61, 4)] // LDX W
    [InlineData(0x69, 2)] // LDX H
    [InlineData(0x71, 1)] // LDX B
    [InlineData(0x79, 8)] // LDX DW
    [InlineData(0x91, 1)] // LDSX B
    [InlineData(0x81, 4)] // LDSX W
    [InlineData(0x62, 4)] // ST W
    [InlineData(0x7b, 8)] // STX DW
    [InlineData(0xc3, 4)] // atomic W
    [InlineData(0xdb, 8)] // atomic DW
    [InlineData(0x30, 1)] // LD ABS B
    [InlineData(0x40, 4)] // LD IND W
    [InlineData(0x18, 0)] // ld_imm64 is not a memory access
    [InlineData(0x07, 0)]
    public void MemorySize_IsTheAccessWidth(byte op, int size) => Assert.Equal(size, I(op).MemorySize);

    [Fact]
    public void LoadsStoresAndAtomics_AreClassified()
    {
        Assert.True(I(0x79, 0, 1).IsLoad);
        Assert.True(I(0x91, 0, 1).IsLoad && I(0x91, 0, 1).IsSignExtendingLoad);
        Assert.True(I(0x62, 10).IsStore && I(0x62, 10).IsStoreImm);
        Assert.True(I(0x63, 10, 1).IsStore && !I(0x63, 10, 1).IsStoreImm);
        Assert.False(I(0xdb, 1, 2).IsStore);
        Assert.True(I(0xdb, 1, 2).IsAtomic);
        Assert.False(I(0xdb, 1, 2, 0, Opcodes.AtomicAdd).IsAtomicFetch);
        Assert.True(I(0xdb, 1, 2, 0, Opcodes.AtomicAdd | Opcodes.AtomicFetch).IsAtomicFetch);
        Assert.True(I(0xdb, 1, 2, 0, Opcodes.AtomicXchg).IsAtomicFetch);
        Assert.True(I(0xdb, 1, 2, 0, Opcodes.AtomicCmpXchg).IsAtomicFetch);
        Assert.True(I(0xdb, 0, 1, 0, Opcodes.AtomicLoadAcquire).IsLoadAcquire);
        Assert.False(I(0xdb, 0, 1, 0, Opcodes.AtomicLoadAcquire).IsAtomicFetch);
        Assert.True(I(0xdb, 1, 2, 0, Opcodes.AtomicStoreRelease).IsStoreRelease);
        Assert.True(I(0x30).IsPacketLoad && I(0x40, 0, 3).IsPacketLoad);
        Assert.False(I(0x18).IsPacketLoad);
        Assert.Equal(1, I(0x79, 0, 1, 8).MemoryBaseRegister);
        Assert.Equal(10, I(0x63, 10, 1, -4).MemoryBaseRegister);
        Assert.Equal(3, I(0xdb, 3, 2).MemoryBaseRegister);
        Assert.Equal(-1, I(0x07, 3).MemoryBaseRegister);
    }

    [Fact]
    public void CallKinds_FollowSrcReg()
    {
        Assert.Equal(CallKind.Helper, I(0x85, 0, 0, 0, 1).CallKind);
        Assert.Equal(CallKind.BpfToBpf, I(0x85, 0, 1, 0, -1).CallKind);
        Assert.Equal(CallKind.Kfunc, I(0x85, 0, 2, 0, 1234).CallKind);
        Assert.Equal(CallKind.Unknown, I(0x85, 0, 3).CallKind);
        Assert.Equal(CallKind.Indirect, I(0x8d, 1).CallKind);
        Assert.Equal(CallKind.None, I(0x95).CallKind);
        Assert.True(I(0x8d, 1).IsIndirectCall);
    }

    [Fact]
    public void Jumps_ExcludeCallsAndExit_IncludeMayGotoAndGotol()
    {
        Assert.False(I(0x85).IsJump);
        Assert.False(I(0x8d, 1).IsJump);
        Assert.False(I(0x95).IsJump);
        Assert.True(I(0x05, 0, 0, 3).IsUnconditionalJump);
        Assert.True(I(0x06, 0, 0, 0, 40000).IsLongJump);
        Assert.Equal(40_011, I(0x06, 0, 0, 0, 40000).JumpTarget(10));
        Assert.True(I(0xe5, 0, 0, 2).IsMayGoto);
        Assert.True(I(0xe5, 0, 0, 2).IsConditionalJump);
        Assert.Equal(13, I(0xe5, 0, 0, 2).JumpTarget(10));
        Assert.True(I(0x16, 1, 0, 2).IsJmp32 && I(0x16, 1, 0, 2).IsConditionalJump);
    }

    [Theory]
    [InlineData(0x0f, 1, 2, new[] { 1, 2 }, new[] { 1 })]        // r1 += r2
    [InlineData(0x07, 1, 0, new[] { 1 }, new[] { 1 })]           // r1 += imm
    [InlineData(0xbf, 1, 2, new[] { 2 }, new[] { 1 })]           // r1 = r2
    [InlineData(0xb7, 1, 0, new int[0], new[] { 1 })]            // r1 = imm
    [InlineData(0x87, 3, 0, new[] { 3 }, new[] { 3 })]           // r3 = -r3
    [InlineData(0xdc, 3, 0, new[] { 3 }, new[] { 3 })]           // r3 = be32 r3
    [InlineData(0x79, 0, 1, new[] { 1 }, new[] { 0 })]           // r0 = *(u64 *)(r1 + 0)
    [InlineData(0x63, 10, 1, new[] { 1, 10 }, new int[0])]       // *(u32 *)(r10 - 4) = r1
    [InlineData(0x62, 10, 0, new[] { 10 }, new int[0])]          // *(u32 *)(r10 - 4) = imm
    [InlineData(0x18, 2, 0, new int[0], new[] { 2 })]            // r2 = imm64 ll
    [InlineData(0x30, 0, 0, new[] { 6 }, new[] { 0, 1, 2, 3, 4, 5 })]     // r0 = skb[imm]
    [InlineData(0x40, 0, 9, new[] { 6, 9 }, new[] { 0, 1, 2, 3, 4, 5 })]  // r0 = skb[r9]
    [InlineData(0x85, 0, 0, new[] { 1, 2, 3, 4, 5 }, new[] { 0, 1, 2, 3, 4, 5 })] // call
    [InlineData(0x8d, 7, 0, new[] { 1, 2, 3, 4, 5, 7 }, new[] { 0, 1, 2, 3, 4, 5 })] // callx r7
    [InlineData(0x95, 0, 0, new[] { 0 }, new int[0])]            // exit
    [InlineData(0x15, 1, 0, new[] { 1 }, new int[0])]            // if r1 == imm
    [InlineData(0x5d, 1, 2, new[] { 1, 2 }, new int[0])]         // if r1 != r2
    [InlineData(0x05, 0, 0, new int[0], new int[0])]             // goto
    [InlineData(0xe5, 0, 0, new int[0], new int[0])]             // may_goto
    public void RegistersReadAndWritten_FollowTheSemantics(byte op, byte dst, byte src, int[] read, int[] written)
    {
        var insn = I(op, dst, src);
        Assert.Equal(read, Regs(insn.RegistersRead));
        Assert.Equal(written, Regs(insn.RegistersWritten));
    }

    [Fact]
    public void Atomics_ReadAndWriteTheRightRegisters()
    {
        var add = I(0xdb, 1, 2, 0, Opcodes.AtomicAdd);
        Assert.Equal([1, 2], Regs(add.RegistersRead));
        Assert.Empty(Regs(add.RegistersWritten));
        var fetchAdd = I(0xdb, 1, 2, 0, Opcodes.AtomicAdd | Opcodes.AtomicFetch);
        Assert.Equal([2], Regs(fetchAdd.RegistersWritten));
        var cmpxchg = I(0xdb, 1, 2, 0, Opcodes.AtomicCmpXchg);
        Assert.Equal([0, 1, 2], Regs(cmpxchg.RegistersRead));
        Assert.Equal([0], Regs(cmpxchg.RegistersWritten));
        var acquire = I(0xdb, 3, 1, 0, Opcodes.AtomicLoadAcquire);
        Assert.Equal([1], Regs(acquire.RegistersRead));
        Assert.Equal([3], Regs(acquire.RegistersWritten));
        var release = I(0xdb, 1, 2, 0, Opcodes.AtomicStoreRelease);
        Assert.Equal([1, 2], Regs(release.RegistersRead));
        Assert.Empty(Regs(release.RegistersWritten));
    }

    [Fact]
    public void LdImm64Helper_SplitsAndJoinsTheValue()
    {
        var (lo, hi) = Instruction.LdImm64(5, unchecked((long)0xfedcba9876543210), Opcodes.PseudoBtfId);
        Assert.True(lo.IsLdImm64);
        Assert.Equal(Opcodes.PseudoBtfId, lo.Src);
        Assert.Equal(0, hi.OpCode);
        Assert.Equal(unchecked((long)0xfedcba9876543210), lo.Imm64(hi));
    }

    [Fact]
    public void HelperNames_KnowTheKernelsIds()
    {
        Assert.Equal("bpf_map_lookup_elem", HelperNames.Name(1));
        Assert.Equal("bpf_ktime_get_ns", HelperNames.Name(5));
        Assert.Equal("bpf_trace_printk", HelperNames.Name(6));
        Assert.Equal("bpf_tail_call", HelperNames.Name(12));
        Assert.Equal("bpf_ringbuf_output", HelperNames.Name(130));
        Assert.Equal("bpf_cgrp_storage_delete", HelperNames.Name(211));
        Assert.Equal(211, HelperNames.MaxId);
        Assert.Null(HelperNames.Name(0));
        Assert.Null(HelperNames.Name(212));
        Assert.Null(HelperNames.Name(-1));
        Assert.Equal(130, HelperNames.Id("bpf_ringbuf_output"));
        Assert.Null(HelperNames.Id("bpf_nope"));
        Assert.Equal(211, HelperNames.All.Count());
    }
}
