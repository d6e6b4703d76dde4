using CompatService.Engine.Asm;

namespace CompatService.Engine.Linking;

/// <summary>
/// Rewrites the instruction a CO-RE relocation points at (libbpf bpf_core_patch_insn): ALU/ALU64 with an immediate → imm;
/// LDX/ST/STX → off (and, for FIELD_BYTE_OFFSET of a field whose size differs, the memory size when that is safe);
/// ld_imm64 → the 64-bit immediate. A poisoned relocation turns the instruction (both halves of an ld_imm64) into
/// <c>call 0xbad2310</c>, which the verifier rejects only if it reaches it.
/// </summary>
public static class CoreInsnPatcher
{
    public const int PoisonImm = 195896080; // 0xbad2310, "bad relo"
    public static readonly Instruction PoisonCall = new(0x85, 0, 0, 0, PoisonImm);

    /// <summary>Patches <paramref name="insns"/> in place; returns null on success or why libbpf refuses the relocation (the load fails).</summary>
    public static string? Patch(Instruction[] insns, int index, CoreValue orig, CoreValue target, bool failMemSizeAdjust)
    {
        if (index < 0 || index >= insns.Length) return $"insn #{index} is outside the program";
        var insn = insns[index];
        if (target.Poison)
        {
            if (insn.IsLdImm64 && index + 1 < insns.Length) insns[index + 1] = PoisonCall;
            insns[index] = PoisonCall;
            return null;
        }
        switch (insn.Class)
        {
            case Opcodes.ClassAlu:
            case Opcodes.ClassAlu64:
                if (!insn.IsSourceImm) return $"insn #{index}: ALU with register source cannot take a CO-RE value";
                if (orig.Validate && (uint)insn.Imm != (uint)orig.Value) return $"insn #{index}: unexpected value {insn.Imm} (expected {orig.Value})";
                insns[index] = insn with { Imm = (int)(uint)target.Value };
                return null;
            case Opcodes.ClassLdx:
            case Opcodes.ClassSt:
            case Opcodes.ClassStx:
                if (orig.Validate && insn.Offset != (long)orig.Value) return $"insn #{index}: unexpected offset {insn.Offset} (expected {orig.Value})";
                if (target.Value > (ulong)short.MaxValue) return $"insn #{index}: offset {target.Value} too big for an instruction";
                if (failMemSizeAdjust)
                {
                    // The field's size changed and it is neither a pointer nor an unsigned integer: libbpf poisons the access.
                    insns[index] = PoisonCall;
                    return null;
                }
                var code = insn.OpCode;
                if (target.FieldSize != orig.FieldSize)
                {
                    if (BytesOf(insn.SizeField) != orig.FieldSize) return $"insn #{index}: unexpected memory size {BytesOf(insn.SizeField)} (expected {orig.FieldSize})";
                    if (SizeFieldOf(target.FieldSize) is not { } sz) return $"insn #{index}: invalid new memory size {target.FieldSize}";
                    code = (byte)((code & 0xe7) | sz);
                }
                insns[index] = insn with { OpCode = code, Offset = (short)target.Value };
                return null;
            default:
                if (insn.IsLdImm64 && index + 1 < insns.Length)
                {
                    if (insn.Src != 0 || insn.Offset != 0) return $"insn #{index}: ld_imm64 already relocated";
                    var imm = (uint)insn.Imm | ((ulong)(uint)insns[index + 1].Imm << 32);
                    if (orig.Validate && imm != orig.Value) return $"insn #{index}: unexpected value {imm} (expected {orig.Value})";
                    insns[index] = insn with { Imm = (int)(uint)target.Value };
                    insns[index + 1] = insns[index + 1] with { Imm = (int)(uint)(target.Value >> 32) };
                    return null;
                }
                return $"insn #{index}: opcode 0x{insn.OpCode:x2} cannot take a CO-RE relocation";
        }
    }

    private static uint BytesOf(byte sizeField) => sizeField switch { 0x00 => 4, 0x08 => 2, 0x10 => 1, _ => 8 };

    private static byte? SizeFieldOf(uint bytes) => bytes switch { 4 => 0x00, 2 => 0x08, 1 => 0x10, 8 => 0x18, _ => null };
}
