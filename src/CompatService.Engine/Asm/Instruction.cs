using CompatService.Engine.Binary;

namespace CompatService.Engine.Asm;

/// <summary>
/// One 8-byte BPF instruction slot. A 16-byte ld_imm64 is two slots (the second has opcode 0 and carries
/// the upper 32 bits in <see cref="Imm"/>), so instruction indices match the verifier's.
/// </summary>
public readonly record struct Instruction(byte OpCode, byte Dst, byte Src, short Offset, int Imm)
{
    public const int Size = 8;

    public static Instruction Decode(ReadOnlySpan<byte> slot, Endian endian)
    {
        if (slot.Length < Size) throw new BpfFormatException($"instruction needs 8 bytes, have {slot.Length}");
        var regs = slot[1];
        byte dst, src;
        if (endian.IsBig) { dst = (byte)(regs >> 4); src = (byte)(regs & 0xf); }
        else { dst = (byte)(regs & 0xf); src = (byte)(regs >> 4); }
        return new Instruction(slot[0], dst, src, endian.I16(slot[2..]), endian.I32(slot[4..]));
    }

    public void Encode(Span<byte> slot, Endian endian)
    {
        slot[0] = OpCode;
        slot[1] = endian.IsBig ? (byte)((Dst << 4) | (Src & 0xf)) : (byte)((Src << 4) | (Dst & 0xf));
        endian.WriteU16(slot[2..], (ushort)Offset);
        endian.WriteI32(slot[4..], Imm);
    }

    /// <summary>Decodes a whole code section; its length must be a multiple of 8.</summary>
    public static Instruction[] DecodeAll(ReadOnlySpan<byte> code, Endian endian, string? section = null)
    {
        if (code.Length % Size != 0) throw new BpfFormatException($"code size {code.Length} is not a multiple of 8", code.Length, section);
        var result = new Instruction[code.Length / Size];
        for (var i = 0; i < result.Length; i++) result[i] = Decode(code.Slice(i * Size, Size), endian);
        return result;
    }

    public static byte[] EncodeAll(IReadOnlyList<Instruction> insns, Endian endian)
    {
        var bytes = new byte[insns.Count * Size];
        for (var i = 0; i < insns.Count; i++) insns[i].Encode(bytes.AsSpan(i * Size, Size), endian);
        return bytes;
    }

    public byte Class => (byte)(OpCode & 0x07);
    /// <summary>First slot of a 16-byte ld_imm64 (BPF_LD | BPF_DW | BPF_IMM).</summary>
    public bool IsLdImm64 => OpCode == 0x18;
    /// <summary>BPF_JMP | BPF_CALL.</summary>
    public bool IsCall => OpCode == 0x85;
    public bool IsHelperCall => IsCall && Src == 0;
    /// <summary>bpf-to-bpf call (src_reg BPF_PSEUDO_CALL = 1).</summary>
    public bool IsPseudoCall => IsCall && Src == 1;
    /// <summary>Kfunc call (src_reg BPF_PSEUDO_KFUNC_CALL = 2).</summary>
    public bool IsKfuncCall => IsCall && Src == 2;
    /// <summary>BPF_JMP | BPF_EXIT.</summary>
    public bool IsExit => OpCode == 0x95;
    /// <summary>Any jump-class instruction other than call / exit (JMP or JMP32).</summary>
    public bool IsJump => (Class == 0x05 || Class == 0x06) && !IsCall && !IsExit;
    public bool IsUnconditionalJump => OpCode == 0x05 || OpCode == 0x06; // JA (JMP) and JA (JMP32, 32-bit imm offset)
    public bool IsConditionalJump => IsJump && !IsUnconditionalJump;

    /// <summary>Jump target index for a jump at <paramref name="index"/> (JMP32|JA uses imm).</summary>
    public int JumpTarget(int index) => OpCode == 0x06 ? index + 1 + Imm : index + 1 + Offset;
}
