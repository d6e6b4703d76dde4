using CompatService.Contracts;

namespace CompatService.Engine.Analysis;

/// <summary>Which reason codes make a program fail, which leave the answer unknown, and which are notes.</summary>
public static class VerdictRules
{
    private static readonly HashSet<string> Unknown = [ReasonCodes.TypelessKsymHostOnly, ReasonCodes.KconfigUnknown, ReasonCodes.AttachTargetAtRuntime, ReasonCodes.KernelFactsConditional, ReasonCodes.KernelFactsUnavailable];
    private static readonly HashSet<string> Notes = [ReasonCodes.KfuncTagsUnavailable, ReasonCodes.WeakKfuncDisabled, ReasonCodes.WeakKfuncIncompatible, ReasonCodes.MapSizedAtRuntime, ReasonCodes.KfuncFlagsUnavailable];

    public static bool IsNote(string code) => Notes.Contains(code);

    public static Verdict Decide(IEnumerable<Reason> reasons)
    {
        var verdict = Verdict.Loads;
        foreach (var r in reasons)
        {
            if (Notes.Contains(r.Code)) continue;
            if (Unknown.Contains(r.Code)) { if (verdict == Verdict.Loads) verdict = Verdict.Unknown; continue; }
            return Verdict.Fails;
        }
        return verdict;
    }
}
