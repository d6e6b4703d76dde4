using E = CompatService.Engine.Analysis;

namespace CompatService.Reporting;

/// <summary>
/// Engine results → wire DTOs, field by field (the wire records carry the JSON names; the engine's do not). The one
/// mapping of every face: API, CLI, agent and lab serialise only what comes out of here.
/// </summary>
public static class ContractMapping
{
    public static Contracts.Verdict ToContract(this E.Verdict v) => v switch
    {
        E.Verdict.Loads => Contracts.Verdict.Loads,
        E.Verdict.Fails => Contracts.Verdict.Fails,
        E.Verdict.Unknown => Contracts.Verdict.Unknown,
        _ => throw new ArgumentOutOfRangeException(nameof(v), v, "unknown verdict"),
    };

    public static E.Verdict ToEngine(this Contracts.Verdict v) => v switch
    {
        Contracts.Verdict.Loads => E.Verdict.Loads,
        Contracts.Verdict.Fails => E.Verdict.Fails,
        Contracts.Verdict.Unknown => E.Verdict.Unknown,
        _ => throw new ArgumentOutOfRangeException(nameof(v), v, "unknown verdict"),
    };

    public static Contracts.ProgramResult ToContract(this E.ProgramResult r) => new(
        r.Kernel, r.Verdict.ToContract(),
        r.Reasons.Select(x => new Contracts.Reason(x.Code, x.Symbol, x.Insn, x.Message)).ToArray(),
        r.Kfuncs.Select(k => new Contracts.KfuncResolution(k.Name, k.Resolution, k.BtfId, k.Module)).ToArray(),
        r.DisabledPaths.Select(d => new Contracts.DisabledPath(d.Symbol, d.Insn, d.Message)).ToArray());

    public static IReadOnlyList<Contracts.ProgramResult> ToContract(this IEnumerable<E.ProgramResult> results) =>
        results.Select(ToContract).ToArray();

    public static Contracts.ObjectSummary ToContract(this E.ObjectSummary s) => new(
        s.License, s.GplCompatible, s.HasBtf, s.Programs.Select(ToContract).ToArray(), s.Maps, s.OpenErrors)
    {
        MapTypes = s.MapTypes.Select(ToContract).ToArray(),
    };

    public static Contracts.ProgramSummary ToContract(this E.ProgramSummary p) => new(
        p.Name, p.Section, p.Type, p.AttachType, p.AttachTarget, p.AutoLoad, p.Insns, p.Kfuncs.ToContract(),
        p.Ksyms.Select(k => new Contracts.KsymUse(k.Name, k.Weak, k.Typed, k.Insns)).ToArray(), p.Kconfig, p.Helpers)
    {
        Requirements = p.Requirements?.ToContract(),
    };

    public static Contracts.ProgramRequirements ToContract(this E.ProgramRequirements r) => new(
        r.ProgramType, r.ProgramTypeEnum, r.AttachType, r.AttachTypeEnum,
        r.Helpers.Select(h => new Contracts.HelperRequirement(h.Name, h.Id, h.CallSites)).ToArray(),
        r.Maps.Select(ToContract).ToArray(),
        r.Kfuncs.Select(ToContract).ToArray(), r.Ksyms.Select(ToContract).ToArray(),
        new Contracts.IsaRequirement($"v{r.Isa.Cpu}",
            r.Isa.Features.Select(f => new Contracts.IsaFeature(f.What, f.Since.ToString(), f.FirstInsn)).ToArray()));

    public static Contracts.KernelEnumDiffDto? ToContract(this Engine.Kernels.KernelEnumDiff? d) => d is null ? null : new(
        d.Added.Select(ToContract).ToArray(), d.Removed.Select(ToContract).ToArray());

    private static Contracts.KernelEnumEntryDto ToContract(Engine.Kernels.KernelEnumValue v) =>
        new(Engine.Kernels.KernelSurfaceDiff.ShortName(v.Name), v.Name, v.Value);

    public static Contracts.MapRequirement ToContract(this E.MapRequirement m) => new(m.Name, m.Type, m.TypeId);

    public static Contracts.ExternRequirement ToContract(this E.ExternRequirement e) => new(e.Name, e.Weak, e.Typed, e.Guarded);

    public static IReadOnlyList<Contracts.KfuncUse> ToContract(this IEnumerable<E.KfuncUse> kfuncs) =>
        kfuncs.Select(k => new Contracts.KfuncUse(k.Name, k.Weak, k.CallSites, k.ExistenceChecks)).ToArray();
}
