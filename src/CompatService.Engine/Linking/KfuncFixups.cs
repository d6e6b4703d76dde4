using CompatService.Contracts;
using CompatService.Engine.Asm;
using CompatService.Engine.Object;

namespace CompatService.Engine.Linking;

/// <summary>
/// Computes, then applies, the rewrites libbpf's bpf_object__relocate_data makes to instructions that reference
/// kfuncs and ksyms (every referencing instruction, not only calls; dispatched on the opcode, as cilium/ebpf does):
/// <list type="bullet">
/// <item>resolved kfunc call → src_reg 2 (PSEUDO_KFUNC_CALL), imm = BTF id, off = fd_array slot;</item>
/// <item>unresolved weak kfunc call → poisoned helper call: dst = src = off = 0, imm = 2002000000 + extern index;</item>
/// <item>resolved kfunc / typed ksym ld_imm64 → src_reg 3 (PSEUDO_BTF_ID), imm = BTF id, second imm = module BTF fd (agent);</item>
/// <item>unresolved weak ld_imm64 → plain ld_imm64 of 0;</item>
/// <item>kconfig ld_imm64 → src_reg 2 (PSEUDO_MAP_VALUE) into the .kconfig map at the extern's offset (agent fills the fd).</item>
/// </list>
/// </summary>
public static class KfuncFixups
{
    public const int PoisonCallKfuncBase = 2002000000;
    public const byte PseudoMapFd = 1, PseudoMapValue = 2, PseudoBtfId = 3, PseudoKfuncCall = 2, PseudoFunc = 4;
    /// <summary>Extra kinds (extend the contract list): kconfig and typeless ksym address loads, filled on the host.</summary>
    public const string KconfigLdImm64 = "kconfig-ldimm64", KsymAddressLdImm64 = "ksym-address-ldimm64";

    /// <summary>Computes the fixups for one linked program; strong unresolved externs get none (the object fails to load).</summary>
    public static IReadOnlyList<Fixup> Plan(BpfProgram program, ObjectResolution resolution)
    {
        var fixups = new List<Fixup>();
        foreach (var reference in program.References)
        {
            if (reference.Kind != InsnReferenceKind.Extern || reference.Extern is null) continue;
            var ext = reference.Extern;
            var r = resolution.For(ext);
            var insn = program.Instructions[reference.Insn];
            if (insn.IsCall && ext.Kind == ExternKind.Kfunc)
            {
                if (r.IsSet)
                    fixups.Add(new Fixup(reference.Insn, FixupKinds.KfuncCall, ext.Name, r.KernelBtfId, r.Module, (int)r.KernelBtfId!.Value, PseudoKfuncCall, (short)r.ModuleSlot) { ModuleSlot = r.ModuleSlot });
                else if (ext.IsWeak)
                    fixups.Add(new Fixup(reference.Insn, FixupKinds.PoisonCall, ext.Name, null, null, PoisonCallKfuncBase + ext.Index, 0, 0));
            }
            else if (insn.IsLdImm64)
            {
                switch (ext.Kind)
                {
                    case ExternKind.Kconfig:
                        fixups.Add(new Fixup(reference.Insn, KconfigLdImm64, ext.Name, null, null, 0, PseudoMapValue, 0));
                        break;
                    case ExternKind.TypelessKsym:
                        fixups.Add(new Fixup(reference.Insn, KsymAddressLdImm64, ext.Name, null, null, 0, 0, 0));
                        break;
                    default:
                        if (r.IsSet)
                            fixups.Add(new Fixup(reference.Insn, ext.Kind == ExternKind.Kfunc ? FixupKinds.KfuncLdImm64 : FixupKinds.KsymLdImm64,
                                ext.Name, r.KernelBtfId, r.Module, (int)r.KernelBtfId!.Value, PseudoBtfId, 0) { ModuleSlot = ModuleIndex(resolution, r.Module) });
                        else if (ext.IsWeak)
                            fixups.Add(new Fixup(reference.Insn, FixupKinds.ZeroLdImm64, ext.Name, null, null, 0, 0, 0));
                        break;
                }
            }
        }
        return fixups;
    }

    /// <summary>Applies fixups to a copy of the program's instructions (module fds / map fds are left 0: the agent sets them).</summary>
    public static Instruction[] Apply(IReadOnlyList<Instruction> insns, IReadOnlyList<Fixup> fixups, IReadOnlyList<BpfExtern>? externs = null)
    {
        var result = insns.ToArray();
        foreach (var f in fixups)
        {
            var insn = result[f.Insn];
            switch (f.Kind)
            {
                case FixupKinds.KfuncCall:
                case FixupKinds.PoisonCall:
                    result[f.Insn] = new Instruction(insn.OpCode, f.Kind == FixupKinds.PoisonCall ? (byte)0 : insn.Dst, f.Src, f.Off, f.Imm);
                    break;
                case FixupKinds.KfuncLdImm64:
                case FixupKinds.KsymLdImm64:
                case FixupKinds.ZeroLdImm64:
                case KsymAddressLdImm64:
                    result[f.Insn] = insn with { Src = f.Src, Imm = f.Imm };
                    result[f.Insn + 1] = result[f.Insn + 1] with { Imm = 0 };
                    break;
                case KconfigLdImm64:
                    var offset = externs?.FirstOrDefault(e => e.Name == f.Symbol)?.KconfigOffset ?? 0;
                    result[f.Insn] = insn with { Src = f.Src, Imm = 0 };
                    result[f.Insn + 1] = result[f.Insn + 1] with { Imm = (int)offset };
                    break;
            }
        }
        return result;
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
