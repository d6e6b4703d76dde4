using CompatService.Engine.Asm;
using CompatService.Engine.Binary;

namespace CompatService.Tests.Shared;

/// <summary>A few hand-assembled instructions for tests.</summary>
public static class Asm
{
    public static Instruction Mov64Imm(byte dst, int imm) => new(0xb7, dst, 0, 0, imm);
    public static Instruction Mov64Reg(byte dst, byte src) => new(0xbf, dst, src, 0, 0);
    public static Instruction Add64Imm(byte dst, int imm) => new(0x07, dst, 0, 0, imm);
    public static Instruction StW(byte dst, short off, int imm) => new(0x62, dst, 0, off, imm);
    public static Instruction Call(int helper) => new(0x85, 0, 0, 0, helper);
    public static Instruction PseudoCall(int relative) => new(0x85, 0, 1, 0, relative);
    public static Instruction KfuncCall(int btfId, short slot = 0) => new(0x85, 0, 2, slot, btfId);
    public static Instruction Exit() => new(0x95, 0, 0, 0, 0);
    public static Instruction JeqImm(byte dst, int imm, short off) => new(0x15, dst, 0, off, imm);
    public static Instruction[] LdImm64(byte dst, byte src, int lo, int hi = 0) => [new(0x18, dst, src, 0, lo), new(0, 0, 0, 0, hi)];
    public static byte[] Encode(params Instruction[] insns) => Instruction.EncodeAll(insns, Endian.Little);
    public static byte[] Encode(IEnumerable<Instruction> insns) => Instruction.EncodeAll(insns.ToArray(), Endian.Little);
}
