using CompatService.Engine.Asm;

namespace CompatService.Engine.Analysis;

/// <summary>The reachability walk's transfer functions for ALU ops and conditional jumps, with the verifier's semantics.</summary>
internal static class AbstractOps
{
    /// <summary>On `if rX == K` the taken branch knows rX == K (and `!=` the fall-through).</summary>
    internal static AbstractState Refine(AbstractState s, Instruction insn, int op, bool taken, bool is32)
    {
        if (is32 || (insn.OpCode & 0x08) != 0) return s;
        var reg = insn.Dst & 0xf;
        if (s.Regs[reg].Kind is not (ValueKind.Unknown or ValueKind.Undecided)) return s;
        if ((op == 0x10 && taken) || (op == 0x50 && !taken)) return s.WithReg(reg, AbstractValue.Const(insn.Imm));
        if (((op == 0x50 && taken) || (op == 0x10 && !taken)) && insn.Imm == 0) return s.WithReg(reg, AbstractValue.NonNull);
        return s;
    }

    /// <summary>true / false when the comparison is decided, null when both branches are possible.</summary>
    internal static bool? Compare(int op, AbstractValue l, AbstractValue r, bool is32)
    {
        if (l.IsConst && r.IsConst)
        {
            ulong a = (ulong)l.Value, b = (ulong)r.Value;
            long sa = l.Value, sb = r.Value;
            if (is32) { a = (uint)a; b = (uint)b; sa = (int)sa; sb = (int)sb; }
            return op switch
            {
                0x10 => a == b, 0x50 => a != b, 0x20 => a > b, 0x30 => a >= b, 0xa0 => a < b, 0xb0 => a <= b,
                0x40 => (a & b) != 0, 0x60 => sa > sb, 0x70 => sa >= sb, 0xc0 => sa < sb, 0xd0 => sa <= sb,
                _ => null,
            };
        }
        if (is32) return null; // the low 32 bits of a non-NULL pointer may be zero
        // a non-zero value compared with zero
        if (l.IsDefinitelyNonZero && r is { IsConst: true, Value: 0 })
            return op switch { 0x10 => false, 0x50 => true, 0x20 => true, 0x30 => true, 0xa0 => false, 0xb0 => false, _ => null };
        if (r.IsDefinitelyNonZero && l is { IsConst: true, Value: 0 })
            return op switch { 0x10 => false, 0x50 => true, 0x20 => false, 0x30 => false, 0xa0 => true, 0xb0 => true, _ => null };
        return null;
    }

    internal static AbstractValue Alu(Instruction insn, AbstractState s)
    {
        var is64 = insn.Class == 0x07;
        var op = insn.OpCode & 0xf0;
        var useReg = (insn.OpCode & 0x08) != 0;
        var dst = s.Regs[insn.Dst & 0xf];
        var src = useReg ? s.Regs[insn.Src & 0xf] : AbstractValue.Const(is64 ? insn.Imm : (uint)insn.Imm);
        if (op == 0xb0) // MOV / MOVSX
        {
            if (insn.Offset != 0) // movsx: sign-extend from 8/16/32 bits
                return src.IsConst ? Truncate(insn.Offset switch { 8 => (sbyte)src.Value, 16 => (short)src.Value, _ => (int)src.Value }, is64) : Taint(src, src);
            if (is64) return src;
            return src.IsConst ? Truncate(src.Value, false) : Taint(src, src);
        }
        if (op == 0xd0) return Taint(dst, dst); // END / BSWAP
        if (op == 0x80) return dst.IsConst ? Truncate(-dst.Value, is64) : Taint(dst, dst); // NEG
        if (dst.Kind is ValueKind.StackPtr or ValueKind.MapPtr && is64 && src.IsConst && (op == 0x00 || op == 0x10))
            return dst with { Value = op == 0x00 ? dst.Value + src.Value : dst.Value - src.Value }; // pointer ± constant
        // Constants first, like the verifier's scalar tracking: `r2 = 1; r2 |= r3 (1); r2 &= 1` stays the constant 1.
        if (dst.IsConst && src.IsConst) return Fold(op, dst.Value, src.Value, is64, signed: insn.Offset == 1);
        if (op == 0x40 && (dst.IsDefinitelyNonZero || src.IsDefinitelyNonZero) && is64) return AbstractValue.NonNull; // OR
        if (op is 0x50 or 0x20 && (dst is { IsConst: true, Value: 0 } || src is { IsConst: true, Value: 0 })) return AbstractValue.Const(0); // AND / MUL by 0
        return Taint(dst, src);
    }

    /// <summary>A result the walk cannot compute: undecided when an operand is (its value waits for a missing kernel input), else unknown.</summary>
    private static AbstractValue Taint(AbstractValue a, AbstractValue b) => a.IsUndecided || b.IsUndecided ? AbstractValue.Undecided : AbstractValue.Unknown;

    /// <summary>
    /// One ALU op on two constants with the verifier's semantics: 32-bit ops work on the low halves and zero-extend the
    /// result; division by zero gives 0 and modulo by zero leaves the dividend; shift counts are masked to the width.
    /// </summary>
    internal static AbstractValue Fold(int op, long x, long y, bool is64, bool signed)
    {
        long a = is64 ? x : (uint)x, b = is64 ? y : (uint)y;
        long? r = op switch
        {
            0x00 => a + b,
            0x10 => a - b,
            0x20 => a * b,
            0x30 => b == 0 ? 0 : signed ? SignedDiv(a, b, is64) : (long)(is64 ? (ulong)a / (ulong)b : (uint)a / (uint)b),
            0x40 => a | b,
            0x50 => a & b,
            0x60 => is64 ? a << (int)(b & 63) : (uint)a << (int)(b & 31),
            0x70 => is64 ? (long)((ulong)a >> (int)(b & 63)) : (uint)a >> (int)(b & 31),
            0x90 => b == 0 ? a : signed ? SignedMod(a, b, is64) : (long)(is64 ? (ulong)a % (ulong)b : (uint)a % (uint)b),
            0xa0 => a ^ b,
            0xc0 => is64 ? a >> (int)(b & 63) : (int)a >> (int)(b & 31),
            _ => null,
        };
        return r is { } v ? Truncate(v, is64) : AbstractValue.Unknown;
    }

    private static long SignedDiv(long a, long b, bool is64) =>
        is64 ? (b == -1 ? unchecked(-a) : a / b) : (int)b == -1 ? unchecked(-(int)a) : (int)a / (int)b;

    private static long SignedMod(long a, long b, bool is64) =>
        is64 ? (b == -1 ? 0 : a % b) : (int)b == -1 ? 0 : (int)a % (int)b;

    internal static AbstractValue Truncate(long v, bool is64) => AbstractValue.Const(is64 ? v : (uint)v);

    internal static int SizeOf(Instruction insn) => (insn.OpCode & 0x18) switch { 0x00 => 4, 0x08 => 2, 0x10 => 1, _ => 8 };

    internal static long ZeroExtend(long v, int size) => size switch { 1 => (byte)v, 2 => (ushort)v, 4 => (uint)v, _ => v };
}
