using CompatService.Contracts;
using CompatService.Engine.Reporting;

namespace CompatService.Reporting;

/// <summary>The engine's one "is this OK?" policy (<see cref="OkPolicy"/>) over a whole wire matrix.</summary>
public static class MatrixOk
{
    /// <summary>True when every program's verdict on every kernel of the matrix is OK.</summary>
    public static bool AllOk(MatrixReport report, bool strict) =>
        OkPolicy.AllOk(report.Objects.SelectMany(o => o.Programs).SelectMany(p => p.Results).Select(r => r.Verdict.ToEngine()), strict);
}
