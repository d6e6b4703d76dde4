using CompatService.Engine.Asm;
using CompatService.Engine.Object;

namespace CompatService.Engine.Linking;

/// <summary>The values only the host knows: fds of maps and module BTFs, kallsyms addresses (the agent supplies them).</summary>
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
/// The one place that applies computed fixups to instructions (libbpf's compute-then-apply: bpf_core_calc_relo →
/// bpf_core_patch_insn; cilium/ebpf's COREFixup.Apply). The verdict walk calls it without host values (fds and kallsyms
/// addresses stay 0: the engine's prediction of what the loader sends); the agent calls it with them, and then also
/// gets map fds (PSEUDO_MAP_FD), global data (PSEUDO_MAP_VALUE, offset in the second half) and the fd_array (one slot
/// per module, slot 0 unused).
/// </summary>
public static class FixupApplier
{
    /// <summary>Applies <paramref name="fixups"/> to a copy of <paramref name="insns"/>; host-only values are left 0.</summary>
    public static Instruction[] Apply(IReadOnlyList<Instruction> insns, IReadOnlyList<Fixup> fixups, IReadOnlyList<BpfExtern> externs)
    {
        var result = insns.ToArray();
        foreach (var f in fixups) ApplyOne(result, f, externs, null);
        return result;
    }

    /// <summary>What the agent sends: map references, fixups and the fd_array, with the host's values.</summary>
    public static PatchedProgram Apply(BpfProgram program, IReadOnlyList<Fixup> fixups, IReadOnlyList<BpfExtern> externs, HostValues host)
    {
        var insns = program.Instructions.ToArray();
        if (ApplyMapReferences(insns, program.References, host) is { } mapError) return new(insns, null, mapError);
        foreach (var f in fixups)
            if (ApplyOne(insns, f, externs, host) is { } error) return new(insns, null, error);
        var (fdArray, slotError) = FdArray(fixups, host);
        return new(insns, slotError is null ? fdArray : null, slotError);
    }

    private static string? ApplyMapReferences(Instruction[] insns, IReadOnlyList<InsnReference> references, HostValues host)
    {
        foreach (var r in references)
        {
            if (r.Kind is not (InsnReferenceKind.Map or InsnReferenceKind.GlobalData)) continue;
            if (r.Map is null) return $"insn {r.Insn}: reference to '{r.Symbol}' has no map";
            if (host.MapFd(r.Map) is not { } fd)
                return $"insn {r.Insn}: {(r.Kind == InsnReferenceKind.Map ? "map" : "global data map")} '{r.Map.Name}' was not created";
            var globalData = r.Kind == InsnReferenceKind.GlobalData;
            insns[r.Insn] = insns[r.Insn] with { Src = globalData ? Opcodes.PseudoMapValue : Opcodes.PseudoMapFd, Imm = fd };
            insns[r.Insn + 1] = insns[r.Insn + 1] with { Imm = globalData ? (int)r.Offset : 0 };
        }
        return null;
    }

    /// <summary>Rewrites the instruction(s) of one fixup; with <paramref name="host"/> null, host values are 0 and never an error.</summary>
    private static string? ApplyOne(Instruction[] insns, Fixup f, IReadOnlyList<BpfExtern> externs, HostValues? host)
    {
        var insn = insns[f.Insn];
        var ext = f.Extern is { } e && e >= 0 && e < externs.Count ? externs[e] : null;
        switch (f.Kind)
        {
            case FixupKind.KfuncCall:
                insns[f.Insn] = new Instruction(insn.OpCode, insn.Dst, f.Src, f.Off, f.Imm);
                return null;
            case FixupKind.PoisonCall:
                insns[f.Insn] = new Instruction(insn.OpCode, 0, 0, 0, f.Imm);
                return null;
            case FixupKind.KfuncLdImm64:
            case FixupKind.KsymLdImm64:
            {
                var hi = 0;
                if (host is not null && f.Module is not null && !host.ModuleBtfFds.TryGetValue(f.Module, out hi))
                    return $"insn {f.Insn}: '{f.Symbol}' lives in module {f.Module}, whose BTF fd is unknown on this host";
                SetLdImm64(insns, f.Insn, f.Src, f.Imm, hi);
                return null;
            }
            case FixupKind.ZeroLdImm64:
                SetLdImm64(insns, f.Insn, 0, 0, 0);
                return null;
            case FixupKind.KconfigLdImm64:
                if (host is not null && host.KconfigMapFd is null) return $"insn {f.Insn}: kconfig '{f.Symbol}' without a .kconfig map";
                SetLdImm64(insns, f.Insn, Opcodes.PseudoMapValue, host?.KconfigMapFd ?? 0, (int)(ext?.KconfigOffset ?? 0));
                return null;
            case FixupKind.KsymAddressLdImm64:
            {
                var address = host?.Kallsyms(ext?.EssentialName ?? f.Symbol);
                if (host is not null && address is null && ext is { IsWeak: false })
                    return $"extern (ksym) '{f.Symbol}': not found in kernel (/proc/kallsyms)";
                var a = address ?? 0;
                SetLdImm64(insns, f.Insn, 0, (int)(uint)a, (int)(uint)(a >> 32));
                return null;
            }
            case FixupKind.Core:
                ApplyCore(insns, f, insn);
                return null;
            default:
                throw new InvalidOperationException($"fixup kind {f.Kind} has no rewrite");
        }
    }

    /// <summary>CO-RE: the engine computed the whole rewritten instruction (bpf_core_patch_insn or poison).</summary>
    private static void ApplyCore(Instruction[] insns, Fixup f, Instruction insn)
    {
        if (f.Code == CoreInsnPatcher.PoisonCall.OpCode)
        {
            var poison = new Instruction(Opcodes.Call, 0, 0, 0, f.Imm); // poisoned: both halves of an ld_imm64
            if (insn.IsLdImm64 && f.Insn + 1 < insns.Length) insns[f.Insn + 1] = poison;
            insns[f.Insn] = poison;
        }
        else if (insn.IsLdImm64 && f.ImmHi is { } hi && f.Insn + 1 < insns.Length)
        {
            insns[f.Insn] = insn with { Imm = f.Imm };
            insns[f.Insn + 1] = insns[f.Insn + 1] with { Imm = hi };
        }
        else
        {
            insns[f.Insn] = new Instruction(f.Code ?? insn.OpCode, insn.Dst, f.Src, f.Off, f.Imm);
        }
    }

    private static void SetLdImm64(Instruction[] insns, int index, byte src, int imm, int immHi)
    {
        insns[index] = insns[index] with { Src = src, Imm = imm };
        insns[index + 1] = insns[index + 1] with { Imm = immHi };
    }

    /// <summary>fd_array: one slot per module a kfunc call uses (slot 0 = vmlinux, unused).</summary>
    private static (int[]? FdArray, string? Error) FdArray(IReadOnlyList<Fixup> fixups, HostValues host)
    {
        var slots = new SortedDictionary<int, string>();
        foreach (var f in fixups)
        {
            if (f.Kind != FixupKind.KfuncCall || f.Off <= 0) continue;
            if (f.Module is null) return (null, $"insn {f.Insn}: kfunc '{f.Symbol}' uses fd_array slot {f.Off} without a module");
            slots[f.Off] = f.Module;
        }
        if (slots.Count == 0) return (null, null);
        var fdArray = new int[slots.Keys.Max() + 1];
        foreach (var (slot, module) in slots)
        {
            if (!host.ModuleBtfFds.TryGetValue(module, out var fd))
                return (null, $"kfunc in module {module}: the module's BTF fd is unknown on this host");
            fdArray[slot] = fd;
        }
        return (fdArray, null);
    }
}
