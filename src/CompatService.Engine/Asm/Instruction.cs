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

    /// <summary>Only the five encoded fields in ToString (not every derived property).</summary>
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"OpCode = 0x{OpCode:x2}, Dst = {Dst}, Src = {Src}, Offset = {Offset}, Imm = {Imm}");
        return true;
    }
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
    /// <summary>Any jump-class instruction other than call / callx / exit (JMP or JMP32), incl. may_goto and gotol.</summary>
    public bool IsJump => (Class == 0x05 || Class == 0x06) && Op != Opcodes.JmpCall && Op != Opcodes.JmpExit;
    public bool IsUnconditionalJump => OpCode == 0x05 || OpCode == 0x06; // JA (JMP) and JA (JMP32, 32-bit imm offset)
    public bool IsConditionalJump => IsJump && !IsUnconditionalJump;

    /// <summary>Jump target index for a jump at <paramref name="index"/> (JMP32|JA uses imm).</summary>
    public int JumpTarget(int index) => OpCode == 0x06 ? index + 1 + Imm : index + 1 + Offset;

    // ---- opcode fields ----

    /// <summary>Operation bits (code &amp; 0xf0) of an ALU or JMP instruction, e.g. <see cref="Opcodes.AluAdd"/>.</summary>
    public byte Op => (byte)(OpCode & 0xf0);
    /// <summary>Source bit (code &amp; 0x08) of an ALU or JMP instruction: <see cref="Opcodes.SourceK"/> or <see cref="Opcodes.SourceX"/>.</summary>
    public byte Source => (byte)(OpCode & 0x08);
    /// <summary>Size bits (code &amp; 0x18) of a load/store.</summary>
    public byte SizeField => (byte)(OpCode & 0x18);
    /// <summary>Mode bits (code &amp; 0xe0) of a load/store.</summary>
    public byte Mode => (byte)(OpCode & 0xe0);
    /// <summary>ALU/JMP operand is src_reg (BPF_X).</summary>
    public bool IsSourceReg => Source == Opcodes.SourceX;
    /// <summary>ALU/JMP operand is imm (BPF_K).</summary>
    public bool IsSourceImm => Source == Opcodes.SourceK;

    // ---- ALU ----

    /// <summary>32-bit ALU (BPF_ALU): results are zero-extended into the 64-bit register.</summary>
    public bool IsAlu => Class == Opcodes.ClassAlu;
    /// <summary>64-bit ALU (BPF_ALU64).</summary>
    public bool IsAlu64 => Class == Opcodes.ClassAlu64;
    /// <summary>Either ALU class.</summary>
    public bool IsAluAny => IsAlu || IsAlu64;
    /// <summary>`dst = src` / `dst = imm` (incl. the sign-extending and address-space-cast forms).</summary>
    public bool IsMov => IsAluAny && Op == Opcodes.AluMov;
    /// <summary>Plain register copy `dst = src` (no sign extension, no address-space cast).</summary>
    public bool IsRegisterMove => IsMov && IsSourceReg && Offset == 0;
    /// <summary>`dst = imm` (MOV with BPF_K).</summary>
    public bool IsMovImm => IsMov && IsSourceImm;
    /// <summary>MOVSX (cpu v4): `dst = (s8|s16|s32)src`, offset = 8, 16 or 32.</summary>
    public bool IsSignExtendingMove => IsMov && IsSourceReg && Offset is 8 or 16 or 32;
    /// <summary>`dst = addr_space_cast(src, ...)` (ALU64 MOV X with offset 1, arena programs).</summary>
    public bool IsAddressSpaceCast => IsAlu64 && Op == Opcodes.AluMov && IsSourceReg && Offset == 1;
    /// <summary>SDIV / SMOD (cpu v4): DIV or MOD with offset 1.</summary>
    public bool IsSignedDivMod => IsAluAny && Op is Opcodes.AluDiv or Opcodes.AluMod && Offset == 1;
    /// <summary>Byte-order conversion: ALU|END (le/be, source bit picks) or ALU64|END (unconditional bswap, cpu v4).</summary>
    public bool IsEndian => IsAluAny && Op == Opcodes.AluEnd;
    /// <summary>ALU64|END: unconditional byte swap (cpu v4).</summary>
    public bool IsByteSwap => IsAlu64 && Op == Opcodes.AluEnd;

    // ---- memory ----

    /// <summary>Memory load into dst: LDX MEM (zero-extending) or LDX MEMSX (sign-extending, cpu v4).</summary>
    public bool IsLoad => Class == Opcodes.ClassLdx && Mode is Opcodes.ModeMem or Opcodes.ModeMemSx;
    /// <summary>LDX MEMSX (cpu v4): `dst = *(s8|s16|s32 *)(src + off)`.</summary>
    public bool IsSignExtendingLoad => Class == Opcodes.ClassLdx && Mode == Opcodes.ModeMemSx;
    /// <summary>Legacy packet load BPF_LD | BPF_ABS / BPF_IND (reads the skb in r6, result in r0).</summary>
    public bool IsPacketLoad => Class == Opcodes.ClassLd && Mode is Opcodes.ModeAbs or Opcodes.ModeInd;
    /// <summary>Memory store: ST MEM (`*(size *)(dst + off) = imm`) or STX MEM (`= src`).</summary>
    public bool IsStore => Class is Opcodes.ClassSt or Opcodes.ClassStx && Mode == Opcodes.ModeMem;
    /// <summary>ST MEM: stores imm.</summary>
    public bool IsStoreImm => Class == Opcodes.ClassSt && Mode == Opcodes.ModeMem;
    /// <summary>STX ATOMIC (lock add/or/and/xor, fetch variants, xchg, cmpxchg, load-acquire, store-release).</summary>
    public bool IsAtomic => Class == Opcodes.ClassStx && Mode == Opcodes.ModeAtomic;
    /// <summary>The atomic operation (imm) of an atomic instruction, else -1.</summary>
    public int AtomicOp => IsAtomic ? Imm : -1;
    /// <summary>Atomic that writes the old value back into a register (BPF_FETCH, xchg, cmpxchg).</summary>
    public bool IsAtomicFetch => IsAtomic && Imm is not Opcodes.AtomicLoadAcquire and not Opcodes.AtomicStoreRelease && (Imm & Opcodes.AtomicFetch) != 0;
    public bool IsLoadAcquire => IsAtomic && Imm == Opcodes.AtomicLoadAcquire;
    public bool IsStoreRelease => IsAtomic && Imm == Opcodes.AtomicStoreRelease;
    /// <summary>Any instruction that reads or writes memory through a register (load, store, atomic).</summary>
    public bool IsMemoryAccess => IsLoad || IsStore || IsAtomic;
    /// <summary>Bytes a load/store/atomic/packet load moves (1, 2, 4, 8); 0 for other instructions.</summary>
    public int MemorySize => IsMemoryAccess || IsPacketLoad ? Opcodes.SizeBytes(SizeField) : 0;
    /// <summary>Base register of a memory access: src for loads and load-acquire, dst for stores and other atomics; -1 otherwise.</summary>
    public int MemoryBaseRegister => IsLoad || IsLoadAcquire ? Src : IsStore || IsAtomic ? Dst : -1;

    // ---- control flow ----

    /// <summary>JMP32 class.</summary>
    public bool IsJmp32 => Class == Opcodes.ClassJmp32;
    /// <summary>`gotol` (JMP32 | JA, cpu v4): 32-bit offset in imm.</summary>
    public bool IsLongJump => OpCode == Opcodes.JaLong;
    /// <summary>`may_goto +off` (JMP | JCOND with src_reg BPF_MAY_GOTO): falls through or jumps.</summary>
    public bool IsMayGoto => OpCode == Opcodes.MayGotoOpcode && Src == Opcodes.MayGoto;
    /// <summary>`callx dst`: indirect call through a register (BPF_JMP | BPF_CALL | BPF_X).</summary>
    public bool IsIndirectCall => OpCode == Opcodes.CallX;

    /// <summary>What a call instruction calls; <see cref="CallKind.None"/> for other instructions.</summary>
    public CallKind CallKind => OpCode switch
    {
        Opcodes.Call => Src switch
        {
            0 => CallKind.Helper,
            Opcodes.PseudoCall => CallKind.BpfToBpf,
            Opcodes.PseudoKfuncCall => CallKind.Kfunc,
            _ => CallKind.Unknown,
        },
        Opcodes.CallX => CallKind.Indirect,
        _ => CallKind.None,
    };

    // ---- ld_imm64 ----

    /// <summary>The 64-bit constant of an ld_imm64 whose first slot is this and second slot <paramref name="next"/>.</summary>
    public long Imm64(Instruction next) => (long)(((ulong)(uint)next.Imm << 32) | (uint)Imm);

    /// <summary>Both slots of an ld_imm64 loading <paramref name="value"/> into <paramref name="dst"/> (src_reg = <paramref name="src"/>).</summary>
    public static (Instruction First, Instruction Second) LdImm64(byte dst, long value, byte src = 0) =>
        (new Instruction(Opcodes.LdImm64, dst, src, 0, unchecked((int)(uint)(ulong)value)),
         new Instruction(0, 0, 0, 0, unchecked((int)(uint)((ulong)value >> 32))));

    // ---- registers, for data-flow analysis ----

    private const ushort CallerSaved = 0b11_1110;   // r1-r5
    private const ushort CallClobbers = 0b11_1111;  // r0-r5

    private static ushort Bit(int reg) => reg is >= 0 and < 16 ? (ushort)(1 << reg) : (ushort)0;

    /// <summary>
    /// Registers this instruction reads, as a bit mask (bit n = rn). Calls read r1-r5 (the verifier's view: the
    /// arity is the callee's, so this is the upper bound); exit reads r0; packet loads read r6 (and src for IND).
    /// </summary>
    public ushort RegistersRead
    {
        get
        {
            switch (Class)
            {
                case Opcodes.ClassAlu:
                case Opcodes.ClassAlu64:
                    if (Op == Opcodes.AluMov) return IsSourceReg ? Bit(Src) : (ushort)0;
                    if (Op is Opcodes.AluNeg or Opcodes.AluEnd) return Bit(Dst);
                    return (ushort)(Bit(Dst) | (IsSourceReg ? Bit(Src) : 0));
                case Opcodes.ClassLdx:
                    return Bit(Src);
                case Opcodes.ClassLd:
                    if (Mode == Opcodes.ModeAbs) return Bit(6);
                    if (Mode == Opcodes.ModeInd) return (ushort)(Bit(6) | Bit(Src));
                    return 0;
                case Opcodes.ClassSt:
                    return Bit(Dst);
                case Opcodes.ClassStx:
                    if (IsLoadAcquire) return Bit(Src);
                    if (IsAtomic && Imm == Opcodes.AtomicCmpXchg) return (ushort)(Bit(Dst) | Bit(Src) | Bit(0));
                    return (ushort)(Bit(Dst) | Bit(Src));
                default: // JMP, JMP32
                    if (OpCode == Opcodes.Call) return CallerSaved;
                    if (OpCode == Opcodes.CallX) return (ushort)(CallerSaved | Bit(Dst));
                    if (OpCode == Opcodes.Exit) return Bit(0);
                    if (Op == Opcodes.JmpJa || Op == Opcodes.JmpJcond) return 0;
                    return (ushort)(Bit(Dst) | (IsSourceReg ? Bit(Src) : 0));
            }
        }
    }

    /// <summary>
    /// Registers this instruction writes (or leaves undefined), as a bit mask: ALU/loads/ld_imm64 write dst;
    /// calls and packet loads write r0 and scratch r1-r5; fetching atomics write src (cmpxchg: r0).
    /// </summary>
    public ushort RegistersWritten
    {
        get
        {
            switch (Class)
            {
                case Opcodes.ClassAlu:
                case Opcodes.ClassAlu64:
                case Opcodes.ClassLdx:
                    return Bit(Dst);
                case Opcodes.ClassLd:
                    if (IsLdImm64) return Bit(Dst);
                    if (IsPacketLoad) return CallClobbers;
                    return 0;
                case Opcodes.ClassSt:
                    return 0;
                case Opcodes.ClassStx:
                    if (IsLoadAcquire) return Bit(Dst);
                    if (IsAtomic && Imm == Opcodes.AtomicCmpXchg) return Bit(0);
                    if (IsAtomicFetch) return Bit(Src);
                    return 0;
                default:
                    return OpCode is Opcodes.Call or Opcodes.CallX ? CallClobbers : (ushort)0;
            }
        }
    }

    /// <summary>Register numbers set in a mask from <see cref="RegistersRead"/> / <see cref="RegistersWritten"/>.</summary>
    public static IEnumerable<int> Registers(ushort mask)
    {
        for (var r = 0; r < 16; r++) if ((mask & (1 << r)) != 0) yield return r;
    }
}

/// <summary>What a call instruction calls.</summary>
public enum CallKind
{
    /// <summary>Not a call.</summary>
    None,
    /// <summary>`call imm` with src_reg 0: a BPF helper (imm = helper id).</summary>
    Helper,
    /// <summary>src_reg BPF_PSEUDO_CALL: a bpf-to-bpf call (imm = relative offset; in objects the extern-kfunc call sites also carry this until libbpf rewrites them).</summary>
    BpfToBpf,
    /// <summary>src_reg BPF_PSEUDO_KFUNC_CALL: a kfunc (imm = BTF id, off = fd_array slot).</summary>
    Kfunc,
    /// <summary>`callx reg`.</summary>
    Indirect,
    /// <summary>A call with a src_reg the kernel does not define.</summary>
    Unknown,
}
