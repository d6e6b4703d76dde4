using System.Globalization;
using System.Text;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Asm;

/// <summary>
/// Renders instructions in the syntax of LLVM's BPF printer as `llvm-objdump -d` shows it (decimal numbers,
/// like LLVM 14): `r1 = 0 ll`, `call 12`, `if r1 == 0 goto +3`, `*(u32 *)(r10 - 4) = r1`,
/// `r0 = *(u64 *)(r1 + 8)`, `lock *(u64 *)(r1 + 0) += r2`, `exit`. Jumps show the relative offset only
/// (no `&lt;LBB0_2&gt;` labels). 32-bit atomics use `w` registers (as llvm-objdump --mattr=+alu32 prints them);
/// everything else matches plain `llvm-objdump -d`. Encodings no kernel defines print as `&lt;unknown 0xNN&gt;`.
/// </summary>
public static class Disassembler
{
    /// <summary>
    /// One instruction. <paramref name="next"/> is the following slot (needed for ld_imm64's upper half);
    /// <paramref name="callName"/>, given the instruction index, may return a name to show as `call name`
    /// (kfuncs, sub-programs, helpers); when it returns null the call prints its imm as llvm-objdump does.
    /// </summary>
    public static string Format(Instruction insn, Instruction? next, int index, Func<int, string?>? callName = null)
    {
        switch (insn.Class)
        {
            case Opcodes.ClassAlu:
            case Opcodes.ClassAlu64:
                return FormatAlu(insn);
            case Opcodes.ClassLd:
                return FormatLd(insn, next);
            case Opcodes.ClassLdx:
                return FormatLdx(insn);
            case Opcodes.ClassSt:
                return insn.Mode == Opcodes.ModeMem
                    ? $"{Mem(insn.SizeField, false, insn.Dst, insn.Offset)} = {Num(insn.Imm)}"
                    : Unknown(insn);
            case Opcodes.ClassStx:
                return FormatStx(insn);
            default:
                return FormatJmp(insn, index, callName);
        }
    }

    /// <summary>
    /// A whole program or section: one line per instruction, `  idx: hex bytes  text`, the 16-byte ld_imm64 on
    /// one line (its second slot has no line of its own, as in llvm-objdump). Bytes are shown in
    /// <paramref name="endian"/> order (little-endian when not given).
    /// </summary>
    public static IReadOnlyList<string> FormatProgram(IReadOnlyList<Instruction> insns, Func<int, string?>? callName = null, Endian? endian = null)
    {
        var order = endian ?? Endian.Little;
        var width = Math.Max(4, (insns.Count - 1).ToString(CultureInfo.InvariantCulture).Length);
        var lines = new List<string>(insns.Count);
        Span<byte> slot = stackalloc byte[Instruction.Size];
        var hex = new StringBuilder(48);
        for (var i = 0; i < insns.Count; i++)
        {
            var insn = insns[i];
            Instruction? next = i + 1 < insns.Count ? insns[i + 1] : null;
            var slots = insn.IsLdImm64 && next is not null ? 2 : 1;
            hex.Clear();
            for (var s = 0; s < slots; s++)
            {
                insns[i + s].Encode(slot, order);
                foreach (var b in slot)
                {
                    if (hex.Length > 0) hex.Append(' ');
                    hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
                }
            }
            var text = Format(insn, next, i, callName);
            lines.Add($"  {i.ToString(CultureInfo.InvariantCulture).PadLeft(width)}: {hex.ToString().PadRight(23)}  {text}");
            i += slots - 1;
        }
        return lines;
    }

    /// <summary>A call-name resolver that shows helper calls by name (`call bpf_map_lookup_elem`).</summary>
    public static Func<int, string?> HelperCallNames(IReadOnlyList<Instruction> insns) =>
        index => index >= 0 && index < insns.Count && insns[index].CallKind == CallKind.Helper ? HelperNames.Name(insns[index].Imm) : null;

    // ---------------------------------------------------------------- ALU

    private static string FormatAlu(Instruction insn)
    {
        var wide = insn.IsAlu64;
        var dst = Reg(insn.Dst, wide);
        var op = insn.Op;
        switch (op)
        {
            case Opcodes.AluEnd:
                if (insn.Imm is not (16 or 32 or 64) || insn.Src != 0 || insn.Offset != 0) return Unknown(insn);
                if (wide) return insn.IsSourceReg ? Unknown(insn) : $"r{insn.Dst} = bswap{insn.Imm} r{insn.Dst}";
                return $"r{insn.Dst} = {(insn.IsSourceReg ? "be" : "le")}{insn.Imm} r{insn.Dst}";
            case Opcodes.AluNeg:
                return insn.IsSourceReg ? Unknown(insn) : $"{dst} = -{dst}";
            case Opcodes.AluMov:
                if (insn.IsSourceImm) return $"{dst} = {Num(insn.Imm)}";
                if (insn.Offset == 0) return $"{dst} = {Reg(insn.Src, wide)}";
                if (insn.Offset is 8 or 16 or 32 && (wide || insn.Offset != 32))
                    return $"{dst} = (s{insn.Offset}){Reg(insn.Src, wide)}";
                if (insn.IsAddressSpaceCast)
                    return $"{dst} = addr_space_cast(r{insn.Src}, {(uint)insn.Imm >> 16}, {insn.Imm & 0xffff})";
                return Unknown(insn);
        }
        var symbol = op switch
        {
            Opcodes.AluAdd => "+=",
            Opcodes.AluSub => "-=",
            Opcodes.AluMul => "*=",
            Opcodes.AluDiv => insn.Offset == 1 ? "s/=" : "/=",
            Opcodes.AluOr => "|=",
            Opcodes.AluAnd => "&=",
            Opcodes.AluLsh => "<<=",
            Opcodes.AluRsh => ">>=",
            Opcodes.AluMod => insn.Offset == 1 ? "s%=" : "%=",
            Opcodes.AluXor => "^=",
            Opcodes.AluArsh => "s>>=",
            _ => null,
        };
        if (symbol is null) return Unknown(insn);
        var operand = insn.IsSourceReg ? Reg(insn.Src, wide) : Num(insn.Imm);
        return $"{dst} {symbol} {operand}";
    }

    // ---------------------------------------------------------------- loads and stores

    private static string FormatLd(Instruction insn, Instruction? next)
    {
        if (insn.IsLdImm64)
        {
            if (next is not { } hi) return $"r{insn.Dst} = {Num(insn.Imm)} ll <ld_imm64 without its second slot>";
            return $"r{insn.Dst} = {insn.Imm64(hi).ToString(CultureInfo.InvariantCulture)} ll";
        }
        var type = $"*(u{Opcodes.SizeBytes(insn.SizeField) * 8} *)";
        if (insn.SizeField == Opcodes.SizeDW) return Unknown(insn);
        return insn.Mode switch
        {
            Opcodes.ModeAbs => $"r0 = {type}skb[{Num(insn.Imm)}]",
            Opcodes.ModeInd => insn.Imm == 0 ? $"r0 = {type}skb[r{insn.Src}]" : $"r0 = {type}skb[r{insn.Src} {Displacement(insn.Imm)}]",
            _ => Unknown(insn),
        };
    }

    private static string FormatLdx(Instruction insn)
    {
        if (insn.Mode == Opcodes.ModeMem) return $"r{insn.Dst} = {Mem(insn.SizeField, false, insn.Src, insn.Offset)}";
        if (insn.Mode == Opcodes.ModeMemSx && insn.SizeField != Opcodes.SizeDW)
            return $"r{insn.Dst} = {Mem(insn.SizeField, true, insn.Src, insn.Offset)}";
        return Unknown(insn);
    }

    private static string FormatStx(Instruction insn)
    {
        if (insn.Mode == Opcodes.ModeMem) return $"{Mem(insn.SizeField, false, insn.Dst, insn.Offset)} = r{insn.Src}";
        if (insn.Mode != Opcodes.ModeAtomic) return Unknown(insn);

        var size = insn.SizeField;
        var bits = Opcodes.SizeBytes(size) * 8;
        if (insn.Imm == Opcodes.AtomicLoadAcquire)
            return $"{Reg(insn.Dst, size == Opcodes.SizeDW)} = load_acquire(({Width(size, false)} *)(r{insn.Src} {Displacement(insn.Offset)}))";
        if (insn.Imm == Opcodes.AtomicStoreRelease)
            return $"store_release(({Width(size, false)} *)(r{insn.Dst} {Displacement(insn.Offset)}), {Reg(insn.Src, size == Opcodes.SizeDW)})";
        if (size is not (Opcodes.SizeW or Opcodes.SizeDW)) return Unknown(insn);

        var wide = size == Opcodes.SizeDW;
        var src = Reg(insn.Src, wide);
        var addr = $"r{insn.Dst} {Displacement(insn.Offset)}";
        var fetch = (insn.Imm & Opcodes.AtomicFetch) != 0;
        var (name, symbol) = (insn.Imm & ~Opcodes.AtomicFetch) switch
        {
            Opcodes.AtomicAdd => ("add", "+="),
            Opcodes.AtomicOr => ("or", "|="),
            Opcodes.AtomicAnd => ("and", "&="),
            Opcodes.AtomicXor => ("xor", "^="),
            0xe0 => ("xchg", null),
            0xf0 => ("cmpxchg", null),
            _ => ((string?)null, (string?)null),
        };
        if (name is null || (insn.Imm & ~0xf1) != 0) return Unknown(insn);
        if (name == "xchg")
            return fetch ? $"{src} = xchg{(wide ? "" : "32")}_{bits}({addr}, {src})" : Unknown(insn);
        if (name == "cmpxchg")
            return fetch ? $"{Reg(0, wide)} = cmpxchg{(wide ? "" : "32")}_{bits}({addr}, {Reg(0, wide)}, {src})" : Unknown(insn);
        return fetch
            ? $"{src} = atomic_fetch_{name}(({Width(size, false)} *)({addr}), {src})"
            : $"lock {Mem(size, false, insn.Dst, insn.Offset)} {symbol} {src}";
    }

    // ---------------------------------------------------------------- jumps and calls

    private static string FormatJmp(Instruction insn, int index, Func<int, string?>? callName)
    {
        var jmp32 = insn.IsJmp32;
        switch (insn.Op)
        {
            case Opcodes.JmpJa:
                if (insn.IsSourceReg) return Unknown(insn);
                return jmp32 ? $"gotol {Rel(insn.Imm)}" : $"goto {Rel(insn.Offset)}";
            case Opcodes.JmpCall:
                if (jmp32) return Unknown(insn);
                if (insn.IsSourceReg) return $"callx r{insn.Dst}";
                var name = callName?.Invoke(index);
                return name is not null ? $"call {name}" : $"call {Num(insn.Imm)}";
            case Opcodes.JmpExit:
                return jmp32 || insn.IsSourceReg ? Unknown(insn) : "exit";
            case Opcodes.JmpJcond:
                return !jmp32 && insn.IsSourceImm && insn.Src == Opcodes.MayGoto ? $"may_goto {Rel(insn.Offset)}" : Unknown(insn);
        }
        var cmp = insn.Op switch
        {
            Opcodes.JmpJeq => "==",
            Opcodes.JmpJgt => ">",
            Opcodes.JmpJge => ">=",
            Opcodes.JmpJset => "&",
            Opcodes.JmpJne => "!=",
            Opcodes.JmpJsgt => "s>",
            Opcodes.JmpJsge => "s>=",
            Opcodes.JmpJlt => "<",
            Opcodes.JmpJle => "<=",
            Opcodes.JmpJslt => "s<",
            Opcodes.JmpJsle => "s<=",
            _ => null,
        };
        if (cmp is null) return Unknown(insn);
        var wide = !jmp32;
        var rhs = insn.IsSourceReg ? Reg(insn.Src, wide) : Num(insn.Imm);
        return $"if {Reg(insn.Dst, wide)} {cmp} {rhs} goto {Rel(insn.Offset)}";
    }

    // ---------------------------------------------------------------- pieces

    private static string Reg(int r, bool wide) => (wide ? "r" : "w") + r.ToString(CultureInfo.InvariantCulture);

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Jump offsets always carry a sign: `+3`, `+0`, `-5`.</summary>
    private static string Rel(long v) => v < 0 ? v.ToString(CultureInfo.InvariantCulture) : "+" + v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Address displacement as LLVM prints it: `+ 8`, `- 4`, `+ 0`.</summary>
    private static string Displacement(long off) => off < 0 ? $"- {(-off).ToString(CultureInfo.InvariantCulture)}" : $"+ {off.ToString(CultureInfo.InvariantCulture)}";

    private static string Width(byte size, bool signed) => $"{(signed ? 's' : 'u')}{Opcodes.SizeBytes(size) * 8}";

    private static string Mem(byte size, bool signed, int reg, short off) => $"*({Width(size, signed)} *)(r{reg} {Displacement(off)})";

    private static string Unknown(Instruction insn) => $"<unknown 0x{insn.OpCode:x2}>";
}
