using CompatService.Engine.Analysis.Rules;

namespace CompatService.Engine.Analysis;

/// <summary>The one verdict aggregation: a failing reason fails, else an unknown one leaves it unknown, notes never count (severities from <see cref="RuleCatalog"/>).</summary>
public static class VerdictRules
{
    public static bool IsNote(string code) => RuleCatalog.SeverityOf(code) == Severity.Note;

    public static Verdict Decide(IEnumerable<Reason> reasons)
    {
        var verdict = Verdict.Loads;
        foreach (var r in reasons)
        {
            switch (RuleCatalog.SeverityOf(r.Code))
            {
                case Severity.Note: continue;
                case Severity.Unknown: verdict = Verdict.Unknown; continue;
                default: return Verdict.Fails;
            }
        }
        return verdict;
    }
}
