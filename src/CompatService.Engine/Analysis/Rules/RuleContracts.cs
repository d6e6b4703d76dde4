using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>What a reason code does to the verdict.</summary>
public enum Severity
{
    /// <summary>The program does not load.</summary>
    Fails,
    /// <summary>The facts that would decide are missing: the verdict is unknown (never a guessed "loads").</summary>
    Unknown,
    /// <summary>Information only: the verdict does not change.</summary>
    Note,
}

/// <summary>One reason code a rule can emit, its severity, and the kernel input it needs to be decided.</summary>
public sealed record RuleCode(string Code, Severity Severity, string Needs)
{
    public static RuleCode Fails(string code, string needs) => new(code, Severity.Fails, needs);
    public static RuleCode Unknown(string code, string needs) => new(code, Severity.Unknown, needs);
    public static RuleCode Note(string code, string needs) => new(code, Severity.Note, needs);

    /// <summary>Several codes that fail and are decided by the same input.</summary>
    public static RuleCode[] AllFail(string needs, params string[] codes) => [.. codes.Select(c => Fails(c, needs))];
}

/// <summary>A rule of the catalog: a name, the codes it emits (one rule per code or per close group).</summary>
public interface IVerdictRule
{
    IReadOnlyList<RuleCode> Codes { get; }
}

/// <summary>
/// The declaration every rule shares: the codes it emits, given once in its class header
/// (<c>class XRule() : VerdictRule(RuleCode.Fails(ReasonCodes.X, "what decides it")), IProgramRule</c>), so a rule file
/// holds only its doc comment (the libbpf / verifier behaviour it mirrors), its codes and its logic.
/// </summary>
public abstract class VerdictRule(params RuleCode[] codes) : IVerdictRule
{
    public IReadOnlyList<RuleCode> Codes { get; } = codes;
}

/// <summary>An object-wide failure: the object cannot be loaded, so neither can any of its programs.</summary>
public sealed record ObjectFailure(string Code, string Symbol, string Message, IReadOnlySet<string> ReferencedBy);

/// <summary>A rule over the whole object (libbpf opens / resolves / creates maps for the whole object before any program).</summary>
public interface IObjectRule : IVerdictRule
{
    IEnumerable<ObjectFailure> Check(ObjectContext ctx);
}

/// <summary>A rule over one program, evaluated where the catalog places it (before or after the reachability walk).</summary>
public interface IProgramRule : IVerdictRule
{
    void Check(ProgramContext ctx, Findings findings);
}

/// <summary>A rule over each fixup of a program (the verifier checks every kfunc instruction, reachable or not).</summary>
public interface IFixupRule : IVerdictRule
{
    void Check(ProgramContext ctx, Fixup fixup, Findings findings);
}

/// <summary>A rule over each extern a program references.</summary>
public interface IExternRule : IVerdictRule
{
    void Check(ProgramContext ctx, BpfExtern ext, Findings findings);
}

/// <summary>What rules found for one program: reasons (in order) and weak paths the verifier removes as dead code.</summary>
public sealed class Findings
{
    private readonly HashSet<string> _noted = new(StringComparer.Ordinal);
    public List<Reason> Reasons { get; } = [];
    public List<DisabledPath> Disabled { get; } = [];
    public void Add(Reason reason) => Reasons.Add(reason);
    public void Disable(DisabledPath path) => Disabled.Add(path);
    /// <summary>True the first time <paramref name="key"/> is seen: for notes said once per program.</summary>
    public bool FirstTime(string key) => _noted.Add(key);

    /// <summary>A reason at a fixup's instruction, in the one form such reasons take: "program 'P': insn N: " + <paramref name="text"/>.</summary>
    public void AtFixup(ProgramContext ctx, Fixup f, string code, string text) =>
        Add(new Reason(code, f.Symbol, f.Insn, $"program '{ctx.Name}': insn {f.Insn}: {text}"));

    /// <summary>
    /// A poisoned instruction (missing weak kfunc, missing helper, CO-RE relocation without target) fails the load only
    /// when the verifier reaches it; a dead one is removed with the dead code and its path noted as disabled.
    /// </summary>
    public void PoisonedInsn(ProgramContext ctx, string symbol, int insn, string reachedCode, string reachedMessage, string deadMessage)
    {
        if (ctx.Reach!.ReachedPoisonCalls.Contains(insn)) Add(new Reason(reachedCode, symbol, insn, reachedMessage));
        else Disable(new DisabledPath(symbol, insn, deadMessage));
    }
}
