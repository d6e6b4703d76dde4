namespace CompatService.Engine.Asm;

/// <summary>
/// The eBPF opcode byte, field by field (include/uapi/linux/bpf.h, bpf_common.h and the kernel's
/// Documentation/bpf/standardization/instruction-set.rst):
/// class = bits 0-2; ALU/JMP: source = bit 3, operation = bits 4-7; LD/ST: size = bits 3-4, mode = bits 5-7.
/// </summary>
public static class Opcodes
{
    // ---- classes (code & 0x07) ----
    public const byte ClassLd = 0x00, ClassLdx = 0x01, ClassSt = 0x02, ClassStx = 0x03,
        ClassAlu = 0x04, ClassJmp = 0x05, ClassJmp32 = 0x06, ClassAlu64 = 0x07;

    // ---- load/store size (code & 0x18) ----
    public const byte SizeW = 0x00, SizeH = 0x08, SizeB = 0x10, SizeDW = 0x18;

    // ---- load/store mode (code & 0xe0) ----
    public const byte ModeImm = 0x00, ModeAbs = 0x20, ModeInd = 0x40, ModeMem = 0x60;
    /// <summary>Sign-extending load (cpu v4, LDX only).</summary>
    public const byte ModeMemSx = 0x80;
    /// <summary>Atomic read-modify-write (STX only; the operation is in imm). Formerly BPF_XADD.</summary>
    public const byte ModeAtomic = 0xc0;

    // ---- ALU/JMP source (code & 0x08) ----
    /// <summary>Immediate operand (imm).</summary>
    public const byte SourceK = 0x00;
    /// <summary>Register operand (src_reg).</summary>
    public const byte SourceX = 0x08;
    /// <summary>BPF_END: convert to little-endian (ALU class) — shares the bit with <see cref="SourceX"/>.</summary>
    public const byte ToLe = 0x00, ToBe = 0x08;

    // ---- ALU operations (code & 0xf0) ----
    public const byte AluAdd = 0x00, AluSub = 0x10, AluMul = 0x20, AluDiv = 0x30, AluOr = 0x40, AluAnd = 0x50,
        AluLsh = 0x60, AluRsh = 0x70, AluNeg = 0x80, AluMod = 0x90, AluXor = 0xa0, AluMov = 0xb0, AluArsh = 0xc0,
        AluEnd = 0xd0;

    // ---- JMP operations (code & 0xf0) ----
    public const byte JmpJa = 0x00, JmpJeq = 0x10, JmpJgt = 0x20, JmpJge = 0x30, JmpJset = 0x40, JmpJne = 0x50,
        JmpJsgt = 0x60, JmpJsge = 0x70, JmpCall = 0x80, JmpExit = 0x90, JmpJlt = 0xa0, JmpJle = 0xb0,
        JmpJslt = 0xc0, JmpJsle = 0xd0;
    /// <summary>BPF_JCOND (kernel 6.9): with src_reg BPF_MAY_GOTO (0) it is `may_goto +off`.</summary>
    public const byte JmpJcond = 0xe0;

    // ---- atomic operations (imm of STX|ATOMIC) ----
    public const int AtomicFetch = 0x01;
    public const int AtomicAdd = 0x00, AtomicOr = 0x40, AtomicAnd = 0x50, AtomicXor = 0xa0,
        AtomicXchg = 0xe0 | AtomicFetch, AtomicCmpXchg = 0xf0 | AtomicFetch;
    /// <summary>Load-acquire (kernel 6.15): dst = smp_load_acquire(src + off).</summary>
    public const int AtomicLoadAcquire = 0x100;
    /// <summary>Store-release (kernel 6.15): smp_store_release(dst + off, src).</summary>
    public const int AtomicStoreRelease = 0x110;

    // ---- src_reg values with a special meaning ----
    /// <summary>ld_imm64 src_reg: BPF_PSEUDO_MAP_FD, MAP_VALUE, BTF_ID, FUNC, MAP_IDX, MAP_IDX_VALUE.</summary>
    public const byte PseudoMapFd = 1, PseudoMapValue = 2, PseudoBtfId = 3, PseudoFunc = 4, PseudoMapIdx = 5,
        PseudoMapIdxValue = 6;
    /// <summary>call src_reg: BPF_PSEUDO_CALL (bpf-to-bpf), BPF_PSEUDO_KFUNC_CALL.</summary>
    public const byte PseudoCall = 1, PseudoKfuncCall = 2;
    /// <summary>JCOND src_reg: BPF_MAY_GOTO.</summary>
    public const byte MayGoto = 0;

    // ---- whole opcodes used often ----
    /// <summary>BPF_LD | BPF_DW | BPF_IMM, the first slot of the 16-byte ld_imm64.</summary>
    public const byte LdImm64 = ClassLd | SizeDW | ModeImm;
    public const byte Call = ClassJmp | JmpCall;
    /// <summary>BPF_JMP | BPF_CALL | BPF_X: `callx dst` (indirect call, LLVM 18+).</summary>
    public const byte CallX = ClassJmp | JmpCall | SourceX;
    public const byte Exit = ClassJmp | JmpExit;
    public const byte Ja = ClassJmp | JmpJa;
    /// <summary>BPF_JMP32 | BPF_JA: `gotol` with a 32-bit offset in imm (cpu v4).</summary>
    public const byte JaLong = ClassJmp32 | JmpJa;
    public const byte MayGotoOpcode = ClassJmp | JmpJcond;

    // ---- field extraction ----
    public static byte Class(byte code) => (byte)(code & 0x07);
    public static byte Op(byte code) => (byte)(code & 0xf0);
    public static byte Source(byte code) => (byte)(code & 0x08);
    public static byte Size(byte code) => (byte)(code & 0x18);
    public static byte Mode(byte code) => (byte)(code & 0xe0);

    public static bool IsAluClass(byte cls) => cls == ClassAlu || cls == ClassAlu64;
    public static bool IsJmpClass(byte cls) => cls == ClassJmp || cls == ClassJmp32;
    public static bool IsLoadStoreClass(byte cls) => cls <= ClassStx;

    /// <summary>Bytes moved by a load/store of the given size field (W=4, H=2, B=1, DW=8).</summary>
    public static int SizeBytes(byte size) => (size & 0x18) switch
    {
        SizeW => 4,
        SizeH => 2,
        SizeB => 1,
        _ => 8,
    };

    public static string ClassName(byte cls) => (cls & 7) switch
    {
        ClassLd => "ld",
        ClassLdx => "ldx",
        ClassSt => "st",
        ClassStx => "stx",
        ClassAlu => "alu",
        ClassJmp => "jmp",
        ClassJmp32 => "jmp32",
        _ => "alu64",
    };

    /// <summary>Kernel name of an ALU operation (BPF_ADD → "add").</summary>
    public static string AluOpName(byte op) => (op & 0xf0) switch
    {
        AluAdd => "add",
        AluSub => "sub",
        AluMul => "mul",
        AluDiv => "div",
        AluOr => "or",
        AluAnd => "and",
        AluLsh => "lsh",
        AluRsh => "rsh",
        AluNeg => "neg",
        AluMod => "mod",
        AluXor => "xor",
        AluMov => "mov",
        AluArsh => "arsh",
        AluEnd => "end",
        _ => $"alu_op_0x{op:x2}",
    };

    /// <summary>Kernel name of a jump operation (BPF_JEQ → "jeq").</summary>
    public static string JmpOpName(byte op) => (op & 0xf0) switch
    {
        JmpJa => "ja",
        JmpJeq => "jeq",
        JmpJgt => "jgt",
        JmpJge => "jge",
        JmpJset => "jset",
        JmpJne => "jne",
        JmpJsgt => "jsgt",
        JmpJsge => "jsge",
        JmpCall => "call",
        JmpExit => "exit",
        JmpJlt => "jlt",
        JmpJle => "jle",
        JmpJslt => "jslt",
        JmpJsle => "jsle",
        JmpJcond => "jcond",
        _ => $"jmp_op_0x{op:x2}",
    };
}
