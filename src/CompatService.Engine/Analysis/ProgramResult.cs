namespace CompatService.Engine.Analysis;

/// <summary>Whether a program loads on a kernel.</summary>
public enum Verdict
{
    Loads,
    Fails,
    Unknown,
}

/// <summary>Why: a stable code (see <see cref="ReasonCodes"/>), the symbol, the instruction index, one line.</summary>
public sealed record Reason(string Code, string? Symbol, int? Insn, string Message);

/// <summary>How one kfunc referenced by a program resolved on one kernel (<see cref="Resolutions"/>).</summary>
public sealed record KfuncResolution(string Name, string Resolution, uint? BtfId, string? Module);

/// <summary>A weak reference whose guarded code the verifier will skip on this kernel.</summary>
public sealed record DisabledPath(string Symbol, int Insn, string Message);

/// <summary>The verdict for one program on one kernel (the faces map it to the wire form at the edge).</summary>
public sealed record ProgramResult(
    string Kernel,
    Verdict Verdict,
    IReadOnlyList<Reason> Reasons,
    IReadOnlyList<KfuncResolution> Kfuncs,
    IReadOnlyList<DisabledPath> DisabledPaths);

public static class Resolutions
{
    public const string Resolved = "resolved", Missing = "missing", Incompatible = "incompatible";
}
