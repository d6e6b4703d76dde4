using CompatService.Engine.Asm;
using CompatService.Engine.Object;

namespace CompatService.Engine.Linking;

/// <summary>
/// Computes the rewrites libbpf's bpf_object__relocate_data makes to instructions that reference
/// kfuncs and ksyms (every referencing instruction, not only calls; dispatched on the opcode, as cilium/ebpf does):
/// <list type="bullet">
/// <item>resolved kfunc call → src_reg 2 (PSEUDO_KFUNC_CALL), imm = BTF id, off = fd_array slot;</item>
/// <item>unresolved weak kfunc call → poisoned helper call: dst = src = off = 0, imm = 2002000000 + extern index;</item>
/// <item>resolved kfunc / typed ksym ld_imm64 → src_reg 3 (PSEUDO_BTF_ID), imm = BTF id, second imm = module BTF fd (agent);</item>
/// <item>unresolved weak ld_imm64 → plain ld_imm64 of 0;</item>
/// <item>kconfig ld_imm64 → src_reg 2 (PSEUDO_MAP_VALUE) into the .kconfig map at the extern's offset (agent fills the fd);</item>
/// <item>typeless ksym ld_imm64 → its kallsyms address (agent).</item>
/// </list>
/// <see cref="FixupApplier"/> applies them.
/// </summary>
public static class KfuncFixups
{
    public const int PoisonCallKfuncBase = 2002000000;

    /// <summary>Computes the fixups for one linked program; strong unresolved externs get none (the object fails to load).</summary>
    public static IReadOnlyList<Fixup> Plan(BpfProgram program, ObjectResolution resolution)
    {
        var fixups = new List<Fixup>();
        foreach (var reference in program.References)
        {
            if (reference.Kind != InsnReferenceKind.Extern || reference.Extern is null) continue;
            var insn = program.Instructions[reference.Insn];
            var fixup = insn.IsCall ? CallFixup(reference.Insn, reference.Extern, resolution)
                : insn.IsLdImm64 ? LdImm64Fixup(reference.Insn, reference.Extern, resolution) : null;
            if (fixup is not null) fixups.Add(fixup with { Extern = reference.Extern.Index });
        }
        return fixups;
    }

    private static Fixup? CallFixup(int insn, BpfExtern ext, ObjectResolution resolution)
    {
        if (ext.Kind != ExternKind.Kfunc) return null;
        var r = resolution.For(ext);
        if (r.IsSet)
            return new Fixup(insn, FixupKind.KfuncCall, ext.Name, r.KernelBtfId, r.Module, (int)r.KernelBtfId!.Value, Opcodes.PseudoKfuncCall, (short)r.ModuleSlot) { ModuleSlot = r.ModuleSlot };
        return ext.IsWeak ? new Fixup(insn, FixupKind.PoisonCall, ext.Name, null, null, PoisonCallKfuncBase + ext.Index, 0, 0) : null;
    }

    private static Fixup? LdImm64Fixup(int insn, BpfExtern ext, ObjectResolution resolution)
    {
        switch (ext.Kind)
        {
            case ExternKind.Kconfig:
                return new Fixup(insn, FixupKind.KconfigLdImm64, ext.Name, null, null, 0, Opcodes.PseudoMapValue, 0);
            case ExternKind.TypelessKsym:
                return new Fixup(insn, FixupKind.KsymAddressLdImm64, ext.Name, null, null, 0, 0, 0);
            default:
                var r = resolution.For(ext);
                if (r.IsSet)
                    return new Fixup(insn, ext.Kind == ExternKind.Kfunc ? FixupKind.KfuncLdImm64 : FixupKind.KsymLdImm64,
                        ext.Name, r.KernelBtfId, r.Module, (int)r.KernelBtfId!.Value, Opcodes.PseudoBtfId, 0) { ModuleSlot = ModuleIndex(resolution, r.Module) };
                return ext.IsWeak ? new Fixup(insn, FixupKind.ZeroLdImm64, ext.Name, null, null, 0, 0, 0) : null;
        }
    }

    /// <summary>The module's position for ld_imm64 (the agent maps it to the module's BTF fd); 0 = vmlinux.</summary>
    private static int ModuleIndex(ObjectResolution resolution, string? module)
    {
        if (module is null) return 0;
        var i = 0;
        foreach (var s in resolution.ModuleSlots) { if (s == module) return i; i++; }
        return -1;
    }
}
