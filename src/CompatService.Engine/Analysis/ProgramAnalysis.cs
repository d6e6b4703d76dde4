using CompatService.Engine.Analysis.Rules;
using CompatService.Engine.Asm;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis;

/// <summary>Everything computed for one program on one kernel: fixups, relocated code, reachability, verdict.</summary>
public sealed record ProgramAnalysis(
    BpfProgram Program,
    IReadOnlyList<Fixup> Fixups,
    IReadOnlyList<Instruction> Relocated,
    ReachabilityResult? Reachability,
    ProgramResult Result)
{
    /// <summary>Module names by fd_array slot (index 0 = vmlinux, unused), shared by every program of the object.</summary>
    public IReadOnlyList<string> ModuleSlots { get; init; } = [];
}

/// <summary>
/// The walk that runs the rule catalog (<see cref="RuleCatalog"/>): object-wide rules first (libbpf resolves every extern
/// and creates every map of the object, whatever is autoloaded), then per program its section rules; when the object
/// itself can load, the fixups are computed and applied, the per-instruction and per-extern rules run, the verifier-like
/// reachability walk decides which poisoned calls and missing helpers are reached, and the post-walk rules judge them.
/// </summary>
public static class VerdictEngine
{
    /// <summary>
    /// Every program of <paramref name="obj"/> on <paramref name="kernel"/>. The work (externs resolved, each program's
    /// instructions and CO-RE relocations, every step of the reachability walks) is charged to <paramref name="budget"/>:
    /// past it the analysis stops with <see cref="Binary.AnalysisBudgetExceededException"/>.
    /// </summary>
    public static IReadOnlyList<ProgramAnalysis> AnalyzeAll(BpfObject obj, KernelBtfSet kernel, string kernelLabel, Binary.AnalysisBudget? budget = null)
    {
        budget ??= Binary.AnalysisBudget.Unlimited();
        budget.Charge(obj.Externs.Count + (long)obj.Maps.Count, "object: resolving its externs and maps");
        var ctx = new ObjectContext(obj, kernel, kernel.Release ?? kernelLabel, ExternResolver.Resolve(obj, kernel));
        var objectWide = RuleCatalog.ObjectRules.SelectMany(r => r.Check(ctx)).ToList();
        return obj.Programs.Select(p => Analyze(ctx, p, kernelLabel, objectWide, budget) with { ModuleSlots = ctx.Resolution.ModuleSlots }).ToArray();
    }

    private static ProgramAnalysis Analyze(ObjectContext octx, BpfProgram program, string kernelLabel, List<ObjectFailure> objectWide,
        Binary.AnalysisBudget budget)
    {
        // Fixups and rules are linear in the program (instructions, references); the walks charge their own steps.
        if (!budget.TryCharge(program.Instructions.Count + (long)program.References.Count))
            throw budget.Exceeded($"program '{program.Name}': {program.Instructions.Count} instructions");
        var findings = new Findings();
        foreach (var f in objectWide) findings.Add(ObjectReason(octx, program, f));

        // Compute, then apply: extern fixups and CO-RE relocations touch different instructions (libbpf applies CO-RE
        // first; the order does not matter), and the one FixupApplier rewrites them as the agent will.
        var core = CoreRelocator.Compute(octx.Object, program, octx.Kernel);
        var fixups = KfuncFixups.Plan(program, octx.Resolution).Concat(CoreFixups.From(core)).ToArray();
        var relocated = FixupApplier.Apply(program.Instructions, fixups, octx.Object.Externs);
        if (!budget.TryCharge(core.Count)) throw budget.Exceeded($"program '{program.Name}': {core.Count} CO-RE relocations");
        var ctx = new ProgramContext(octx, program, fixups, core, relocated);

        foreach (var rule in RuleCatalog.SectionRules) rule.Check(ctx, findings);
        if (objectWide.Count == 0)
        {
            foreach (var f in fixups)
                foreach (var rule in RuleCatalog.InstructionRules) rule.Check(ctx, f, findings);
            foreach (var ext in ctx.ReferencedExterns())
                foreach (var rule in RuleCatalog.ExternRules) rule.Check(ctx, ext, findings);
            CoreRelocationRule.CheckRefused(ctx, findings);
            var memory = Walk(ctx, budget);
            var before = findings.Reasons.Count;
            PostWalk(ctx, findings);
            WalkCounterfactuals.RodataDecided(ctx, memory, findings, before, budget);
            WalkCounterfactuals.Undecided(ctx, memory, findings, before);
        }

        var result = new ProgramResult(kernelLabel, VerdictRules.Decide(findings.Reasons), findings.Reasons, KfuncResolutions(ctx), findings.Disabled);
        return new ProgramAnalysis(program, fixups, relocated, ctx.Reach, result);
    }

    internal static void PostWalk(ProgramContext ctx, Findings findings)
    {
        foreach (var rule in RuleCatalog.ReachRules) rule.Check(ctx, findings);
        foreach (var f in ctx.Fixups)
            foreach (var rule in RuleCatalog.ReachedKfuncRules) rule.Check(ctx, f, findings);
        foreach (var rule in RuleCatalog.LateRules) rule.Check(ctx, findings);
    }

    /// <summary>The verifier-like walk: poisoned kfunc calls, poisoned CO-RE instructions and calls to missing helpers stop a path.</summary>
    private static ConstantMemory Walk(ProgramContext ctx, Binary.AnalysisBudget budget)
    {
        ctx.MissingHelperCalls = HelperMissingRule.MissingCalls(ctx, BasePoison(ctx));
        var memory = ConstantMemory.For(ctx.Obj.Object, ctx.Program, ctx.Fixups, ctx.Kernel);
        ctx.Reach = ctx.Obj.Object.Walks.Analyze(ctx.Relocated, WalkPoison(ctx), HostOnly(ctx), memory, budget, $"program '{ctx.Name}': reachability walk");
        return memory;
    }

    private static HashSet<int> BasePoison(ProgramContext ctx)
    {
        var poison = ctx.Fixups.Where(f => f.Kind == FixupKind.PoisonCall).Select(f => f.Insn).ToHashSet();
        foreach (var c in ctx.Core.Where(c => c.Status == CoreRelocationStatus.Poisoned)) poison.Add(c.Insn);
        return poison;
    }

    internal static HashSet<int> WalkPoison(ProgramContext ctx)
    {
        var poison = BasePoison(ctx);
        foreach (var insn in ctx.MissingHelperCalls.Keys) poison.Add(insn);
        return poison;
    }

    internal static HashSet<int> HostOnly(ProgramContext ctx) =>
        ctx.Fixups.Where(f => f.Kind == FixupKind.KsymAddressLdImm64).Select(f => f.Insn).ToHashSet();

    private static Reason ObjectReason(ObjectContext ctx, BpfProgram program, ObjectFailure f)
    {
        int? insn = null;
        foreach (var r in program.References)
            if (r.Kind == InsnReferenceKind.Extern && r.Symbol == f.Symbol) { insn = r.Insn; break; }
        var message = f.ReferencedBy.Contains(program.Name)
            ? $"program '{program.Name}': insn {insn}: {f.Message}"
            : f.ReferencedBy.Count > 0
                ? $"program '{program.Name}': object fails to load: {f.Message} (referenced by program '{string.Join("', '", f.ReferencedBy.Order())}')"
                : $"program '{program.Name}': the object cannot be loaded: {f.Message}";
        return new Reason(f.Code, f.Symbol.Length == 0 ? null : f.Symbol, insn, message);
    }

    private static IReadOnlyList<KfuncResolution> KfuncResolutions(ProgramContext ctx) =>
        ctx.ReferencedExterns().Where(e => e.Kind == ExternKind.Kfunc).OrderBy(e => e.Name, StringComparer.Ordinal).Select(e =>
        {
            var r = ctx.Obj.Resolution.For(e);
            var status = r.Status switch
            {
                ExternStatus.Resolved => Resolutions.Resolved,
                ExternStatus.Incompatible => Resolutions.Incompatible,
                _ => Resolutions.Missing,
            };
            return new KfuncResolution(e.Name, status, r.Status == ExternStatus.Resolved ? r.KernelBtfId : null, r.Module);
        }).ToArray();
}
