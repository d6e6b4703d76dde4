namespace CompatService.Engine.Linking;

/// <summary>
/// The closed set of instruction rewrites the engine computes (libbpf bpf_object__relocate_data for externs,
/// bpf_core_patch_insn for CO-RE). Every kind is applied by <see cref="FixupApplier.Apply"/>, the one place that
/// rewrites instructions for the verdict walk and for the agent.
/// </summary>
public enum FixupKind
{
    /// <summary>Resolved kfunc call: src_reg PSEUDO_KFUNC_CALL, imm = BTF id, off = fd_array slot.</summary>
    KfuncCall,
    /// <summary>Unresolved weak kfunc call: a helper call dst = src = off = 0, imm = 2002000000 + extern index.</summary>
    PoisonCall,
    /// <summary>Resolved kfunc address load: src_reg PSEUDO_BTF_ID, imm = BTF id, second imm = module BTF fd (host).</summary>
    KfuncLdImm64,
    /// <summary>Resolved typed ksym: like <see cref="KfuncLdImm64"/>.</summary>
    KsymLdImm64,
    /// <summary>Unresolved weak ld_imm64: a plain ld_imm64 of 0.</summary>
    ZeroLdImm64,
    /// <summary>kconfig extern: src_reg PSEUDO_MAP_VALUE, imm = .kconfig map fd (host), second imm = the extern's offset.</summary>
    KconfigLdImm64,
    /// <summary>Typeless ksym: ld_imm64 of its /proc/kallsyms address (host; 0 in the engine's prediction).</summary>
    KsymAddressLdImm64,
    /// <summary>CO-RE relocation (<see cref="Fixup.CoreKind"/>): the whole rewritten instruction is carried.</summary>
    Core,
}

/// <summary>
/// One computed rewrite of one instruction. <see cref="Extern"/> is the index of the extern in the object
/// (<c>BpfObject.Externs</c>), never a name look-up; <see cref="Symbol"/> is for messages and the wire.
/// <see cref="Module"/> is the module name (null for vmlinux), <see cref="ModuleSlot"/> its fd_array slot (0 = vmlinux);
/// <see cref="Imm"/>, <see cref="Src"/>, <see cref="Off"/> (and for CO-RE <see cref="Code"/>, <see cref="ImmHi"/>)
/// are the rewritten instruction's values as far as the engine knows them (host fds and addresses are the agent's).
/// </summary>
public sealed record Fixup(int Insn, FixupKind Kind, string Symbol, uint? BtfId, string? Module, int Imm, byte Src, short Off)
{
    /// <summary>Index into the object's externs (extern fixups); null for CO-RE.</summary>
    public int? Extern { get; init; }
    /// <summary>fd_array slot of the module (0 = vmlinux).</summary>
    public int ModuleSlot { get; init; }
    /// <summary>CO-RE fixups: the relocation kind.</summary>
    public CoreReloKind? CoreKind { get; init; }
    /// <summary>CO-RE fixups: the rewritten instruction's opcode (a load may change size; a poisoned one is a call 0x85).</summary>
    public byte? Code { get; init; }
    /// <summary>CO-RE fixups on ld_imm64: the second half's imm (upper 32 bits of the value).</summary>
    public int? ImmHi { get; init; }
}
