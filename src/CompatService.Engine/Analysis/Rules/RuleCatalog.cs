namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// Every verdict rule of the engine, in the order they run (the order of reasons in a result), and the one place that
/// says what each reason code does to a verdict. <see cref="VerdictEngine"/> is the walk; this is the catalog.
/// </summary>
public static class RuleCatalog
{
    /// <summary>Object-wide: libbpf opens, resolves and creates maps for the whole object before any program loads.</summary>
    public static IReadOnlyList<IObjectRule> ObjectRules { get; } =
        [new ObjectOpenRule(), new StrongExternRule(), new StructOpsTypeRule(), new MapTypeRule()];

    /// <summary>Per program, whatever the object-wide outcome: what its section asks of the kernel.</summary>
    public static IReadOnlyList<IProgramRule> SectionRules { get; } = [new ProgramTypeRule(), new AttachTargetRule(), new UnsizedMapRule(), new CallGraphRule()];

    /// <summary>Per fixup, reachable or not (the verifier checks every kfunc / ksym instruction).</summary>
    public static IReadOnlyList<IFixupRule> InstructionRules { get; } =
        [new KfuncRequiresGplRule(), new KsymKallsymsRule(), new KsymExistsRule(), new ModuleKfuncsRule(), new KfuncsUnsupportedRule()];

    /// <summary>Per extern the program references.</summary>
    public static IReadOnlyList<IExternRule> ExternRules { get; } = [new WeakKfuncIncompatibleRule(), new TypelessKsymRule(), new KconfigRule()];

    /// <summary>After the reachability walk: poisoned instructions and missing helpers reached or dead.</summary>
    public static IReadOnlyList<IProgramRule> ReachRules { get; } = [new WeakKfuncReachRule(), new CoreRelocationRule()];

    /// <summary>Per kfunc call the walk reaches (<c>check_kfunc_call</c>).</summary>
    public static IReadOnlyList<IFixupRule> ReachedKfuncRules { get; } = [new KfuncHookRule(), new KfuncFlagsRule(), new KfuncIdentityRule(), new SleepableCallbackRule()];

    /// <summary>After the kfunc rules: helpers and the instruction set.</summary>
    public static IReadOnlyList<IProgramRule> LateRules { get; } = [new HelperMissingRule(), new HelperNotAllowedRule(), new IsaRule()];

    /// <summary>Every rule once.</summary>
    public static IEnumerable<IVerdictRule> All =>
        ObjectRules.Cast<IVerdictRule>().Concat(SectionRules).Concat(InstructionRules).Concat(ExternRules)
            .Concat(ReachRules).Concat(ReachedKfuncRules).Concat(LateRules).Append(RodataNote).Append(Aborted);

    /// <summary>The reachability walk's own note (a branch decided by a .rodata value as shipped).</summary>
    public static IVerdictRule RodataNote { get; } = new RodataRule();

    /// <summary>The engine's own bound: an analysis over its budget, or one that failed, makes its programs unknown.</summary>
    public static AnalysisAbortedRule Aborted { get; } = new();

    private static readonly Lazy<Dictionary<string, RuleCode>> ByCode = new(() =>
        All.SelectMany(r => r.Codes).GroupBy(c => c.Code, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal));

    /// <summary>The catalog entry of a code, or null for a code no rule emits.</summary>
    public static RuleCode? Find(string code) => ByCode.Value.GetValueOrDefault(code);

    /// <summary>Severity of a code; codes no rule knows fail (never a silent "loads").</summary>
    public static Severity SeverityOf(string code) => Find(code)?.Severity ?? Severity.Fails;

    private sealed class RodataRule() : VerdictRule(
        RuleCode.Note(ReasonCodes.RodataAsShipped, "object (.rodata as shipped; the loader may rewrite it)"))
    {
    }
}
