using CompatService.Engine.Analysis;

namespace CompatService.Engine.Reporting;

/// <summary>
/// The one "is this OK?" policy of every face (CLI `check` / `ci`, the API's CI endpoint, the agent's `check` / `load`):
/// a <c>fails</c> verdict is never OK; <c>unknown</c> is OK unless <c>strict</c> (facts were missing, nothing was
/// found wrong). Each face chooses only its strictness: `compat check` is strict (exit 0 when every program loads
/// everywhere), the CI endpoint and the agent are lenient unless asked for strict.
/// </summary>
public static class OkPolicy
{
    public static bool IsOk(Verdict verdict, bool strict) =>
        verdict == Verdict.Loads || (!strict && verdict == Verdict.Unknown);

    /// <summary>True when every verdict is OK (an empty set is OK).</summary>
    public static bool AllOk(IEnumerable<Verdict> verdicts, bool strict) =>
        verdicts.All(v => IsOk(v, strict));
}
