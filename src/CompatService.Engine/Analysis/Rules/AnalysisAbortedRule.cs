using CompatService.Engine.Binary;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// Not a verifier rule but the engine's own bound: when checking one object on one kernel runs over its work budget
/// (<see cref="AnalysisBudget"/>: instructions walked, types and relocations visited, or its time budget), or the engine
/// fails on the pair (a stored object it can no longer read, an engine defect), nothing is guessed: every program of
/// the pair is unknown with a code naming what would decide it. The matrix worker records such a cell and goes on.
/// </summary>
public sealed class AnalysisAbortedRule() : VerdictRule(
    RuleCode.Unknown(ReasonCodes.AnalysisBudgetExceeded, "a larger work budget (service: Compat:Budget:JobWork / JobSeconds)"),
    RuleCode.Unknown(ReasonCodes.AnalysisFailed, "an object (and kernel) the engine can read; the message holds its error"))
{
    /// <summary>The result of one program whose analysis on <paramref name="kernelLabel"/> stopped with <paramref name="error"/>.</summary>
    public static ProgramResult Unknown(string kernelLabel, Exception error)
    {
        var reason = error is AnalysisBudgetExceededException
            ? new Reason(ReasonCodes.AnalysisBudgetExceeded, null, null, error.Message)
            : new Reason(ReasonCodes.AnalysisFailed, null, null, $"the analysis failed: {error.Message}");
        return new ProgramResult(kernelLabel, VerdictRules.Decide([reason]), [reason], [], []);
    }
}
