using System.Text.Json.Serialization;

namespace CompatService.Contracts;

/// <summary>Fixup kinds, as `compat relocate` prints them (CO-RE fixups: "core-" + the relocation kind, e.g. core-field-byte-offset).</summary>
public static class FixupKinds
{
    public const string KfuncCall = "kfunc-call", KfuncLdImm64 = "kfunc-ldimm64", KsymLdImm64 = "ksym-ldimm64",
        PoisonCall = "poison-call", ZeroLdImm64 = "zero-ldimm64",
        // kconfig and typeless ksym address loads, filled on the host
        KconfigLdImm64 = "kconfig-ldimm64", KsymAddressLdImm64 = "ksym-address-ldimm64";
}

/// <summary>
/// One computed rewrite of one instruction. <see cref="Module"/> is the module name (null for vmlinux);
/// <see cref="Off"/> is the fd_array slot for calls. For ld_imm64 of a module symbol the second half's imm must be the
/// module BTF's fd: the agent puts it there (<see cref="ModuleSlot"/> says which module).
/// </summary>
public sealed record Fixup(
    int Insn,
    string Kind,
    string Symbol,
    uint? BtfId,
    string? Module,
    int Imm,
    byte Src,
    short Off)
{
    /// <summary>fd_array slot of the module (0 = vmlinux).</summary>
    public int ModuleSlot { get; init; }
    /// <summary>CO-RE fixups ("core-*"): the rewritten instruction's opcode (a load/store may change memory size; a poisoned one becomes call 0x85).</summary>
    public byte? Code { get; init; }
    /// <summary>CO-RE fixups on ld_imm64: the second half's imm (upper 32 bits of the value).</summary>
    public int? ImmHi { get; init; }
}

/// <summary>Fixups for a program on a kernel, the relocated instructions, the module slots (index = slot, 0 unused).</summary>
public sealed record RelocationResult(
    string Program,
    IReadOnlyList<Fixup> Fixups,
    IReadOnlyList<string> Modules,
    [property: JsonPropertyName("instructions")] IReadOnlyList<string> InstructionsHex,
    ProgramResult Result);
