using CompatService.Contracts;
using CompatService.Engine.Asm;
using CompatService.Engine.Object;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Loading;

/// <summary>The host values the engine leaves to the agent: fds of maps and module BTFs, kallsyms addresses.</summary>
public sealed record HostValues
{
    public required Func<BpfMap, int?> MapFd { get; init; }
    public int? KconfigMapFd { get; init; }
    /// <summary>Module name → its BTF object fd (for fd_array slots and the second half of ld_imm64).</summary>
    public IReadOnlyDictionary<string, int> ModuleBtfFds { get; init; } = new Dictionary<string, int>();
    /// <summary>Typeless ksym address from /proc/kallsyms; null when absent.</summary>
    public Func<string, ulong?> Kallsyms { get; init; } = _ => null;
}

/// <summary>A program's final instructions and fd_array, or why they could not be built.</summary>
public sealed record PatchedProgram(Instruction[] Instructions, int[]? FdArray, string? Error);

/// <summary>
/// Applies, to the linked instructions of a program, the engine's computed fixups exactly as computed (kfunc calls,
/// poisoned calls, ld_imm64 of kfuncs / ksyms / zero, kconfig) plus what only the host knows: map fds
/// (PSEUDO_MAP_FD), global data (PSEUDO_MAP_VALUE with the offset in the second half), module BTF fds (fd_array, one
/// slot per module, slot 0 unused; second half of ld_imm64) and kallsyms addresses.
/// </summary>
public static class InstructionPatcher
{
    public static PatchedProgram Patch(BpfProgram program, IReadOnlyList<Fixup> fixups, IReadOnlyList<BpfExtern> externs, HostValues host)
    {
        var insns = program.Instructions.ToArray();
        foreach (var r in program.References)
        {
            switch (r.Kind)
            {
                case InsnReferenceKind.Map when r.Map is not null:
                {
                    var fd = host.MapFd(r.Map);
                    if (fd is null) return Fail(insns, $"insn {r.Insn}: map '{r.Map.Name}' was not created");
                    insns[r.Insn] = insns[r.Insn] with { Src = BpfConst.PseudoMapFd, Imm = fd.Value };
                    insns[r.Insn + 1] = insns[r.Insn + 1] with { Imm = 0 };
                    break;
                }
                case InsnReferenceKind.GlobalData when r.Map is not null:
                {
                    var fd = host.MapFd(r.Map);
                    if (fd is null) return Fail(insns, $"insn {r.Insn}: global data map '{r.Map.Name}' was not created");
                    insns[r.Insn] = insns[r.Insn] with { Src = BpfConst.PseudoMapValue, Imm = fd.Value };
                    insns[r.Insn + 1] = insns[r.Insn + 1] with { Imm = (int)r.Offset };
                    break;
                }
                case InsnReferenceKind.Map or InsnReferenceKind.GlobalData:
                    return Fail(insns, $"insn {r.Insn}: reference to '{r.Symbol}' has no map");
            }
        }

        var slots = new SortedDictionary<int, string>();
        foreach (var f in fixups)
        {
            var insn = insns[f.Insn];
            switch (f.Kind)
            {
                case FixupKinds.KfuncCall:
                    insns[f.Insn] = new Instruction(insn.OpCode, insn.Dst, f.Src, f.Off, f.Imm);
                    if (f.Off > 0)
                    {
                        if (f.Module is null) return Fail(insns, $"insn {f.Insn}: kfunc '{f.Symbol}' uses fd_array slot {f.Off} without a module");
                        slots[f.Off] = f.Module;
                    }
                    break;
                case FixupKinds.PoisonCall:
                    insns[f.Insn] = new Instruction(insn.OpCode, 0, 0, 0, f.Imm);
                    break;
                case FixupKinds.KfuncLdImm64:
                case FixupKinds.KsymLdImm64:
                {
                    var hi = 0;
                    if (f.Module is not null)
                    {
                        if (!host.ModuleBtfFds.TryGetValue(f.Module, out hi))
                            return Fail(insns, $"insn {f.Insn}: '{f.Symbol}' lives in module {f.Module}, whose BTF fd is unknown on this host");
                    }
                    insns[f.Insn] = insn with { Src = f.Src, Imm = f.Imm };
                    insns[f.Insn + 1] = insns[f.Insn + 1] with { Imm = hi };
                    break;
                }
                case { } core when core.StartsWith("core-", StringComparison.Ordinal):
                    // CO-RE: the engine computed the whole rewritten instruction (libbpf bpf_core_patch_insn / poison).
                    if (f.Code == 0x85)
                    {
                        var poison = new Instruction(0x85, 0, 0, 0, f.Imm); // poisoned: both halves of an ld_imm64
                        if (insn.IsLdImm64) insns[f.Insn + 1] = poison;
                        insns[f.Insn] = poison;
                    }
                    else if (insn.IsLdImm64 && f.ImmHi is { } hi)
                    {
                        insns[f.Insn] = insn with { Imm = f.Imm };
                        insns[f.Insn + 1] = insns[f.Insn + 1] with { Imm = hi };
                    }
                    else
                    {
                        insns[f.Insn] = new Instruction(f.Code ?? insn.OpCode, insn.Dst, f.Src, f.Off, f.Imm);
                    }
                    break;
                case FixupKinds.ZeroLdImm64:
                    insns[f.Insn] = insn with { Src = 0, Imm = 0 };
                    insns[f.Insn + 1] = insns[f.Insn + 1] with { Imm = 0 };
                    break;
                case EngineFixupKinds.KconfigLdImm64:
                {
                    if (host.KconfigMapFd is not { } fd) return Fail(insns, $"insn {f.Insn}: kconfig '{f.Symbol}' without a .kconfig map");
                    var offset = externs.FirstOrDefault(e => e.Name == f.Symbol)?.KconfigOffset ?? 0;
                    insns[f.Insn] = insn with { Src = BpfConst.PseudoMapValue, Imm = fd };
                    insns[f.Insn + 1] = insns[f.Insn + 1] with { Imm = (int)offset };
                    break;
                }
                case EngineFixupKinds.KsymAddressLdImm64:
                {
                    var ext = externs.FirstOrDefault(e => e.Name == f.Symbol);
                    var addr = host.Kallsyms(ext?.EssentialName ?? f.Symbol);
                    if (addr is null && ext is { IsWeak: false })
                        return Fail(insns, $"extern (ksym) '{f.Symbol}': not found in kernel (/proc/kallsyms)");
                    var a = addr ?? 0;
                    insns[f.Insn] = insn with { Src = 0, Imm = (int)(uint)a };
                    insns[f.Insn + 1] = insns[f.Insn + 1] with { Imm = (int)(uint)(a >> 32) };
                    break;
                }
            }
        }

        int[]? fdArray = null;
        if (slots.Count > 0)
        {
            fdArray = new int[slots.Keys.Max() + 1];
            foreach (var (slot, module) in slots)
            {
                if (!host.ModuleBtfFds.TryGetValue(module, out var fd))
                    return Fail(insns, $"kfunc in module {module}: the module's BTF fd is unknown on this host");
                fdArray[slot] = fd;
            }
        }
        return new PatchedProgram(insns, fdArray, null);
    }

    private static PatchedProgram Fail(Instruction[] insns, string error) => new(insns, null, error);
}

/// <summary>Fixup kinds the engine adds beyond the contract list (kept in sync with Engine.Linking.KfuncFixups).</summary>
public static class EngineFixupKinds
{
    public const string KconfigLdImm64 = CompatService.Engine.Linking.KfuncFixups.KconfigLdImm64;
    public const string KsymAddressLdImm64 = CompatService.Engine.Linking.KfuncFixups.KsymAddressLdImm64;
}
