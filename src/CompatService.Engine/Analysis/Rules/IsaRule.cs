using CompatService.Engine.Asm;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// Instruction-set generations the verifier learnt over time: jmp32 (5.1), atomics other than plain add — fetch,
/// and/or/xor, xchg, cmpxchg (5.12), cpu v4 — sdiv/smod, movsx, ldsx, bswap, gotol (6.6), may_goto and
/// addr_space_cast (6.9), load-acquire / store-release (6.15). Older verifiers refuse them: LDX / STX with an unknown
/// mode or imm in <c>resolve_pseudo_ldimm64</c>'s pass over every instruction ("BPF_LDX uses reserved fields", even in
/// dead code), ALU / JMP ones when <c>do_check</c> reaches them ("… uses reserved fields", "unknown opcode").
/// Nothing in a kernel's BTF shows its instruction set, so this rule reads the upstream version from the release
/// string and, without one, from a BTF enum entry added in the same release; the reason says which.
/// </summary>
public sealed class IsaRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.IsaUnsupported, "kernel release (upstream version), else a BTF enum entry of the same release"),
    RuleCode.Unknown(ReasonCodes.KernelReleaseUnknown, "the kernel's release string")), IProgramRule
{
    private sealed record Generation(Version Since, string EnumName, string Marker);

    private static readonly Generation Jmp32 = new(new(5, 1), "bpf_func_id", "BPF_FUNC_spin_lock");
    private static readonly Generation Atomics = new(new(5, 12), "bpf_func_id", "BPF_FUNC_check_mtu");
    private static readonly Generation CpuV4 = new(new(6, 6), "bpf_link_type", "BPF_LINK_TYPE_TCX");
    private static readonly Generation Arena = new(new(6, 9), "bpf_map_type", "BPF_MAP_TYPE_ARENA");
    private static readonly Generation AcqRel = new(new(6, 15), "", "");

    /// <summary>What an instruction needs beyond the classic ISA: its name, generation, and whether it is refused even in dead code.</summary>
    public static (string What, Version Since, bool EvenDead)? Requirement(Instruction insn) => Classify(insn) is { } r ? (r.What, r.Gen.Since, r.EvenDead) : null;

    private static (string What, Generation Gen, bool EvenDead)? Classify(Instruction insn)
    {
        switch (insn.Class)
        {
            case 0x06 when insn.IsUnconditionalJump: return ("gotol (cpu v4)", CpuV4, false);
            case 0x06 when insn.IsJump: return ("jmp32 (cpu v3)", Jmp32, false);
            case 0x05 when insn.Op == 0xe0: return ("may_goto", Arena, false);
            case 0x01 when insn.Mode == 0x80: return ("ldsx (sign-extending load, cpu v4)", CpuV4, true);
            case 0x03 when insn.Mode == 0xc0 && insn.Imm != 0:
                return insn.Imm is 0x100 or 0x110 ? ("load-acquire / store-release", AcqRel, true) : ($"atomic op 0x{insn.Imm:x} (fetch / and / or / xor / xchg / cmpxchg)", Atomics, true);
            case 0x04 or 0x07 when insn.Op == 0xb0 && insn.Offset == 1 && insn.Class == 0x07: return ("addr_space_cast", Arena, false);
            case 0x04 or 0x07 when insn.Op == 0xb0 && insn.Offset is 8 or 16 or 32: return ("movsx (cpu v4)", CpuV4, false);
            case 0x04 or 0x07 when insn.Op is 0x30 or 0x90 && insn.Offset == 1: return ("sdiv / smod (cpu v4)", CpuV4, false);
            case 0x07 when insn.Op == 0xd0: return ("bswap (cpu v4)", CpuV4, false);
            default: return null;
        }
    }

    public void Check(ProgramContext ctx, Findings findings)
    {
        var said = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ctx.Relocated.Count; i++)
        {
            var insn = ctx.Relocated[i];
            if (insn.IsLdImm64) { i++; continue; }
            if (Classify(insn) is not { } req || (!req.EvenDead && !ctx.Reach!.IsVisited(i)) || !said.Add(req.What)) continue;
            var (supported, basis) = Supports(ctx, req.Gen);
            if (supported == false)
                findings.Add(new Reason(ReasonCodes.IsaUnsupported, req.What, i,
                    $"program '{ctx.Name}': insn {i}: {req.What} needs Linux ≥ {req.Gen.Since} and {ctx.KernelName} is older ({basis}){(req.EvenDead ? "; refused even in dead code" : "")}"));
            else if (supported is null)
                findings.Add(new Reason(ReasonCodes.KernelReleaseUnknown, req.What, i,
                    $"program '{ctx.Name}': insn {i}: {req.What} needs Linux ≥ {req.Gen.Since}; {ctx.KernelName} has no release string and nothing in its BTF tells (supply the release)"));
        }
    }

    private static (bool? Supported, string Basis) Supports(ProgramContext ctx, Generation gen)
    {
        if (ctx.Obj.Features.Version is { } v)
            return (v >= gen.Since, $"upstream version from release {ctx.Kernel.Release}; nothing in BTF shows the instruction set");
        if (gen.Marker.Length == 0) return (null, "");
        var values = gen.EnumName switch
        {
            "bpf_func_id" => ctx.Kernel.Enums.Helpers, "bpf_link_type" => ctx.Kernel.Enums.LinkTypes, _ => ctx.Kernel.Enums.MapTypes,
        };
        if (values is null) return (null, "");
        var has = values.Any(e => e.Name == gen.Marker);
        return (has, $"no release string; its enum {gen.EnumName} {(has ? "has" : "lacks")} {gen.Marker}, added in {gen.Since}");
    }
}
