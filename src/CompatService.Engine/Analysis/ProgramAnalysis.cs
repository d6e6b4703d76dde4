using CompatService.Contracts;
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
/// The verdict logic: object-wide failures first (libbpf resolves every extern of the object, whatever is autoloaded),
/// then per program the checks the verifier makes on every kfunc instruction (GPL, ld_imm64 of a FUNC before 6.4),
/// then reachability: a poisoned call fails the load only if the verifier's path walk reaches it.
/// </summary>
public static class VerdictEngine
{
    public static IReadOnlyList<ProgramAnalysis> AnalyzeAll(BpfObject obj, Kernels.KernelBtfSet kernel, string kernelLabel)
    {
        var resolution = ExternResolver.Resolve(obj, kernel);
        var features = KernelFeatures.Of(kernel);
        var hooks = KfuncHooks.Of(kernel);
        var kernelName = kernel.Release ?? kernelLabel;
        var objectWide = ObjectWideFailures(obj, resolution, kernelName);
        foreach (var (symbol, message) in LoadPrerequisites.ForObject(obj, kernel, kernelName))
            objectWide.Add(new ObjectFailure(ReasonCodes.StructOpsTypeMissing, symbol, message, []));
        return obj.Programs.Select(p => Analyze(obj, p, kernel, kernelLabel, kernelName, resolution, features, hooks, objectWide) with { ModuleSlots = resolution.ModuleSlots }).ToArray();
    }

    private sealed record ObjectFailure(string Code, string Symbol, string Message, HashSet<string> ReferencedBy);

    private static List<ObjectFailure> ObjectWideFailures(BpfObject obj, ObjectResolution resolution, string kernelName)
    {
        var failures = new List<ObjectFailure>();
        foreach (var problem in obj.OpenErrors)
            failures.Add(new ObjectFailure(problem.Code, problem.Symbol ?? string.Empty, problem.Message, ReferencingPrograms(obj, problem.Symbol)));
        foreach (var r in resolution.Externs)
        {
            var ext = r.Extern;
            (string Code, string Text)? failure = (ext.Kind, r.Status, ext.IsWeak) switch
            {
                (ExternKind.Kfunc, ExternStatus.Missing, false) => (ReasonCodes.KfuncMissing, $"kfunc '{ext.Name}': not found in {kernelName} (vmlinux or module BTF)"),
                (ExternKind.Kfunc, ExternStatus.Incompatible, false) => (ReasonCodes.KfuncIncompatible, $"kfunc '{ext.Name}': prototype incompatible with {kernelName}'s `{r.KernelPrototype}`"),
                (ExternKind.TypedKsym, ExternStatus.Missing, false) => (ReasonCodes.KsymMissing, $"ksym '{ext.Name}': not found in {kernelName} BTF"),
                // libbpf rejects an incompatible typed ksym whether weak or not.
                (ExternKind.TypedKsym, ExternStatus.Incompatible, _) => (ReasonCodes.KsymIncompatible, $"ksym '{ext.Name}': type incompatible with {kernelName}'s `{r.KernelPrototype}`"),
                _ => null,
            };
            if (failure is { } f) failures.Add(new ObjectFailure(f.Code, ext.Name, f.Text, ReferencingPrograms(obj, ext.Name)));
        }
        return failures;
    }

    private static HashSet<string> ReferencingPrograms(BpfObject obj, string? symbol)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (symbol is null) return set;
        foreach (var p in obj.Programs)
            if (p.References.Any(r => r.Kind == InsnReferenceKind.Extern && r.Symbol == symbol)) set.Add(p.Name);
        return set;
    }

    private static ProgramAnalysis Analyze(BpfObject obj, BpfProgram program, Kernels.KernelBtfSet kernel, string kernelLabel, string kernelName,
        ObjectResolution resolution, KernelFeatures features, KfuncHooks? hooks, List<ObjectFailure> objectWide)
    {
        var reasons = new List<Reason>();
        foreach (var f in objectWide)
        {
            var insn = FirstReference(program, f.Symbol);
            var message = f.ReferencedBy.Contains(program.Name)
                ? $"program '{program.Name}': insn {insn}: {f.Message}"
                : f.ReferencedBy.Count > 0
                    ? $"program '{program.Name}': object fails to load: {f.Message} (referenced by program '{string.Join("', '", f.ReferencedBy.Order())}')"
                    : $"program '{program.Name}': the object cannot be loaded: {f.Message}";
            reasons.Add(new Reason(f.Code, f.Symbol.Length == 0 ? null : f.Symbol, insn, message));
        }

        var kfuncFixups = KfuncFixups.Plan(program, resolution);
        var relocated = KfuncFixups.Apply(program.Instructions, kfuncFixups, obj.Externs);
        // CO-RE relocations patch other instructions than extern references (libbpf applies them first; order does not matter).
        var core = CoreRelocator.Apply(obj, program, kernel, relocated);
        var fixups = kfuncFixups.Concat(CoreFixups.From(core)).ToArray();
        var kfuncs = KfuncResolutions(program, resolution);
        var disabled = new List<DisabledPath>();
        ReachabilityResult? reach = null;

        reasons.AddRange(LoadPrerequisites.ForProgram(program, kernel, kernelName));
        reasons.AddRange(LoadPrerequisites.UnsizedMaps(obj, program));
        reasons.AddRange(CallGraphRule.ForProgram(program)); // recursive-call, call-stack-too-deep, too-many-subprograms
        if (objectWide.Count == 0)
        {
            foreach (var f in fixups)
            {
                if (f.Kind == FixupKinds.KfuncCall && !obj.IsGplCompatible)
                    reasons.Add(new Reason(ReasonCodes.KfuncRequiresGpl, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: kfunc '{f.Symbol}': cannot call kernel function from non-GPL compatible program (license '{obj.License ?? "(none)"}'), even in dead code"));
                // The verifier looks every ld_imm64 of a BTF id up in kallsyms by name, reachable or not; data symbols
                // are there only with CONFIG_KALLSYMS_ALL (functions always are).
                if (f.Kind == FixupKinds.KsymLdImm64 && kernel.Config is { } config && !config.ContainsKey("CONFIG_KALLSYMS_ALL"))
                    reasons.Add(new Reason(ReasonCodes.KsymNotInKallsyms, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: ksym '{f.Symbol}': {kernelName} is built without CONFIG_KALLSYMS_ALL, so data symbols are not in kallsyms: ldimm64 failed to find the address for kernel symbol '{f.Symbol}'"));
                if (f.Kind == FixupKinds.KfuncLdImm64 && !features.LdImm64OfFunc)
                    reasons.Add(new Reason(ReasonCodes.KsymExistsUnsupported, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: kfunc '{f.Symbol}': {kernelName} rejects ld_imm64 of a present kfunc (bpf_ksym_exists needs ≥ 6.4; {features.Basis})"));
                if (f.Kind == FixupKinds.KfuncCall && f.Module is not null && !features.ModuleKfuncs)
                    reasons.Add(new Reason(ReasonCodes.ModuleKfuncsUnsupported, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: kfunc '{f.Symbol}' lives in module {f.Module}; {kernelName} cannot call module kfuncs (< 5.16)"));
            }
            foreach (var ext in ReferencedExterns(program))
            {
                if (ext.Kind == ExternKind.Kfunc && ext.IsWeak && resolution.For(ext).Status == ExternStatus.Incompatible)
                    reasons.Add(new Reason(ReasonCodes.WeakKfuncIncompatible, ext.Name, FirstReference(program, ext.Name),
                        $"note: weak kfunc '{ext.Name}' exists in {kernelName} as `{resolution.For(ext).KernelPrototype}`, incompatible with the object's prototype: libbpf leaves it unresolved (treated as missing); cilium/ebpf would refuse the load"));
                if (ext.Kind == ExternKind.TypelessKsym && !ext.IsWeak)
                    reasons.Add(new Reason(ReasonCodes.TypelessKsymHostOnly, ext.Name, FirstReference(program, ext.Name),
                        $"program '{program.Name}': ksym '{ext.Name}' is typeless: resolved from the host's /proc/kallsyms at load time, not decidable from BTF"));
                if (ext.Kind == ExternKind.Kconfig && ext.Name.StartsWith("CONFIG_", StringComparison.Ordinal))
                {
                    // libbpf reads the kernel config for any CONFIG_ extern and fails the object when it has none;
                    // a strong one the config does not set fails too ("is strong and not provided").
                    if (kernel.Config is null)
                        reasons.Add(new Reason(ReasonCodes.KconfigUnknown, ext.Name, FirstReference(program, ext.Name),
                            $"program '{program.Name}': kconfig '{ext.Name}': the kernel config of {kernelName} is not known (libbpf needs it at load time)"));
                    else if (!ext.IsWeak && !kernel.Config.ContainsKey(ext.Name))
                        reasons.Add(new Reason(ReasonCodes.KconfigMissing, ext.Name, FirstReference(program, ext.Name),
                            $"program '{program.Name}': kconfig '{ext.Name}': is strong and not set in {kernelName}'s config"));
                }
            }

            foreach (var c in core.Where(c => c.Status == CoreRelocationStatus.Failed))
                reasons.Add(new Reason(ReasonCodes.CoreRelocationFailed, c.Path.Length > 0 ? c.Path : c.LocalType, c.Insn,
                    $"program '{program.Name}': insn {c.Insn}: CO-RE relocation {CoreReloKinds.Name(c.Kind)} of '{(c.Path.Length > 0 ? c.Path : c.LocalType)}' (access {c.AccessString}) cannot be applied: {c.Reason}"));
            var poison = fixups.Where(f => f.Kind == FixupKinds.PoisonCall).Select(f => f.Insn).ToHashSet();
            var corePoison = core.Where(c => c.Status == CoreRelocationStatus.Poisoned).ToArray();
            foreach (var c in corePoison) poison.Add(c.Insn);
            var hostOnly = fixups.Where(f => f.Kind == KfuncFixups.KsymAddressLdImm64).Select(f => f.Insn).ToHashSet();
            reach = ReachabilityAnalyzer.Analyze(relocated, poison, hostOnly);
            foreach (var f in fixups.Where(f => f.Kind == FixupKinds.PoisonCall))
            {
                if (reach.ReachedPoisonCalls.Contains(f.Insn))
                    reasons.Add(new Reason(ReasonCodes.WeakKfuncUnguarded, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: kfunc '{f.Symbol}': not found in {kernelName} and the call is reachable (not guarded by bpf_ksym_exists): kfunc '{f.Symbol}' is referenced but wasn't resolved"));
                else
                    disabled.Add(new DisabledPath(f.Symbol, f.Insn,
                        $"weak kfunc '{f.Symbol}' is missing on {kernelName}: the call at insn {f.Insn} is dead code the verifier removes"));
            }
            foreach (var c in corePoison)
            {
                if (reach.ReachedPoisonCalls.Contains(c.Insn))
                    reasons.Add(new Reason(ReasonCodes.CoreRelocationFailed, c.Path, c.Insn,
                        $"program '{program.Name}': insn {c.Insn}: CO-RE relocation {CoreReloKinds.Name(c.Kind)} of '{c.Path}' failed on {kernelName} (no matching type or field in its BTF) and the poisoned instruction is reachable: invalid func unknown#195896080"));
                else
                    disabled.Add(new DisabledPath(c.Path, c.Insn,
                        $"CO-RE relocation {CoreReloKinds.Name(c.Kind)} of '{c.Path}' has no target on {kernelName}: the poisoned insn {c.Insn} is dead code the verifier removes"));
            }
            var noted = new HashSet<string>(StringComparer.Ordinal);
            foreach (var f in fixups.Where(f => f.Kind == FixupKinds.KfuncCall && reach.IsVisited(f.Insn)))
            {
                if (hooks is not null && hooks.RefusesEveryKfuncFrom(program.Type))
                    reasons.Add(new Reason(ReasonCodes.KfuncNotAllowed, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: kfunc '{f.Symbol}': {kernelName} has no kfunc hook for {program.Type} programs (its hooks: {hooks}): calling kernel function {f.Symbol} is not allowed"));
                var r = resolution.Externs.First(e => e.Extern.Name == f.Symbol); // fixups carry the name; externs are few
                var spec = r.Module is null ? kernel.Vmlinux : kernel.Modules.First(m => m.Name == r.Module).Spec;
                var isKfunc = KernelFeatures.IsKfunc(kernel, spec, new Btf.BtfTypeId(r.KernelBtfId!.Value));
                if (isKfunc == true && r.Module is null && kernel.KfuncFlags?.GetValueOrDefault(f.Symbol) is { } flags
                    && (flags & (uint)KfFlags.Sleepable) != 0 && !program.SectionInfo.Sleepable)
                    reasons.Add(new Reason(ReasonCodes.KfuncNeedsSleepable, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: kfunc '{f.Symbol}' is KF_SLEEPABLE in {kernelName}: program must be sleepable to call sleepable kfunc {f.Symbol} (use a '.s' section)"));
                if (isKfunc == true && r.Module is null && kernel.KfuncFlags is null && noted.Add(f.Symbol + "#flags"))
                    reasons.Add(new Reason(ReasonCodes.KfuncFlagsUnavailable, f.Symbol, f.Insn,
                        $"note: {kernelName} came without its image's .BTF_ids: the KF_* flags of '{f.Symbol}' (sleepable, destructive) were not checked"));
                if (isKfunc == false)
                    reasons.Add(new Reason(ReasonCodes.NotAKfunc, f.Symbol, f.Insn,
                        $"program '{program.Name}': insn {f.Insn}: '{f.Symbol}' is a kernel function in {kernelName} but not a kfunc (not in any kfunc set): calling kernel function {f.Symbol} is not allowed"));
                else if (isKfunc is null && noted.Add(f.Symbol))
                    reasons.Add(new Reason(ReasonCodes.KfuncTagsUnavailable, f.Symbol, f.Insn,
                        $"note: {kernelName}'s BTF has no bpf_kfunc tags and no .BTF_ids sets were ingested: whether '{f.Symbol}' is a kfunc could not be checked"));
            }
        }

        var result = new ProgramResult(kernelLabel, VerdictRules.Decide(reasons), reasons, kfuncs, disabled);
        return new ProgramAnalysis(program, fixups, relocated, reach, result);
    }

    private static IEnumerable<BpfExtern> ReferencedExterns(BpfProgram program) =>
        program.References.Where(r => r.Kind == InsnReferenceKind.Extern && r.Extern is not null).Select(r => r.Extern!).Distinct();

    private static int? FirstReference(BpfProgram program, string symbol)
    {
        foreach (var r in program.References)
            if (r.Kind == InsnReferenceKind.Extern && r.Symbol == symbol) return r.Insn;
        return null;
    }

    private static IReadOnlyList<KfuncResolution> KfuncResolutions(BpfProgram program, ObjectResolution resolution) =>
        ReferencedExterns(program).Where(e => e.Kind == ExternKind.Kfunc).OrderBy(e => e.Name, StringComparer.Ordinal).Select(e =>
        {
            var r = resolution.For(e);
            var status = r.Status switch
            {
                ExternStatus.Resolved => Resolutions.Resolved,
                ExternStatus.Incompatible => Resolutions.Incompatible,
                _ => Resolutions.Missing,
            };
            return new KfuncResolution(e.Name, status, r.Status == ExternStatus.Resolved ? r.KernelBtfId : null, r.Module);
        }).ToArray();
}
