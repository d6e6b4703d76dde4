using CompatService.Contracts;

namespace CompatService.Dashboard.ViewModels;

/// <summary>How the matrix shows one computed verdict. Every state has a text label AND an icon; colour is never alone.</summary>
public enum CellState { Loads, LoadsDegraded, Fails, Unknown, NotComputed }

/// <summary>The kernel lab beside the prediction: no lab outcome, the lab agrees, or the lab saw something else.</summary>
public enum LabState { PredictedOnly, Verified, Disagrees }

/// <summary>
/// The display of one cell: state, label, icon, CSS class and accessible name. Pure presentation of the engine's
/// <see cref="ProgramResult"/>: "degraded" means the result itself lists disabled weak paths (or the weak-kfunc-disabled reason).
/// </summary>
public sealed record CellView(string Program, string Kernel, CellState State, ProgramResult? Result)
{
    /// <summary>The stored object and kernel behind the cell, when known (for links to the disassembly).</summary>
    public long? ObjectId { get; init; }
    public long? KernelId { get; init; }

    /// <summary>Whether <see cref="Kernel"/> is a release ("kernel 6.1.0-47-amd64") or an "unnamed kernel 382c4b…" name.</summary>
    public bool KernelIsNamed { get; init; } = true;

    /// <summary>The object page with this program relocated for this kernel, fixups marked.</summary>
    public string? DisassemblyLink => ObjectId is { } o && KernelId is { } k
        ? $"objects/{o}?program={Uri.EscapeDataString(Program)}&kernel={k}#disassembly"
        : null;

    /// <summary>What the latest lab run saw for this program on this kernel (source "lab"), or null.</summary>
    public ObservedOutcomeDto? LabOutcome { get; init; }

    /// <summary>verified: observed == predicted; disagrees: loads vs failed (either way) or unknown; predicted-only: no lab outcome.</summary>
    public LabState Lab => LabOutcome is not { } o || Result is null ? LabState.PredictedOnly
        : (Result.Verdict == Verdict.Loads && o.Loaded) || (Result.Verdict == Verdict.Fails && !o.Loaded) ? LabState.Verified
        : LabState.Disagrees;

    public string LabLabel => Lab switch
    {
        LabState.Verified => "verified",
        LabState.Disagrees => $"disagrees: lab {(LabOutcome!.Loaded ? "loaded" : "failed")}",
        _ => "predicted only",
    };

    public static CellView For(string program, string kernel, ProgramResult? result) =>
        new(program, kernel, StateOf(result), result);

    /// <summary>The reason code (a wire string; the engine's ReasonCodes.WeakKfuncDisabled) of a weak kfunc whose guarded path is off.</summary>
    private const string WeakKfuncDisabled = "weak-kfunc-disabled";

    public static CellState StateOf(ProgramResult? r) => r?.Verdict switch
    {
        null => CellState.NotComputed,
        Verdict.Fails => CellState.Fails,
        Verdict.Unknown => CellState.Unknown,
        _ when r.DisabledPaths.Count > 0 || r.Reasons.Any(x => x.Code == WeakKfuncDisabled) => CellState.LoadsDegraded,
        _ => CellState.Loads,
    };

    public string Label => LabelOf(State);

    public static string LabelOf(CellState state) => Look(state).Label;

    /// <summary>A short label for the narrow cell (the full one is the accessible name and the tooltip).</summary>
    public string ShortLabel => State switch
    {
        CellState.LoadsDegraded => "degraded",
        CellState.NotComputed => "pending",
        _ => Label,
    };

    /// <summary>Icon name for <c>VerdictIcon</c>: check, half, cross, question, clock.</summary>
    public string Icon => IconOf(State);

    public static string IconOf(CellState state) => Look(state).Icon;

    public string CssClass => CssClassOf(State);

    public static string CssClassOf(CellState state) => Look(state).Css;

    /// <summary>How each state is shown: its label, its <c>VerdictIcon</c> name and the cell's CSS class.</summary>
    private static (string Label, string Icon, string Css) Look(CellState state) => state switch
    {
        CellState.Loads => ("loads", "check", "cell-loads"),
        CellState.LoadsDegraded => ("loads, degraded", "half", "cell-degraded"),
        CellState.Fails => ("fails", "cross", "cell-fails"),
        CellState.Unknown => ("unknown", "question", "cell-unknown"),
        _ => ("not computed", "clock", "cell-pending"),
    };

    /// <summary>Distinct reason codes, in the engine's order.</summary>
    public IReadOnlyList<string> ReasonCodes => Result?.Reasons.Select(r => r.Code).Distinct().ToList() ?? [];

    /// <summary>"prog X on kernel Y: fails, kfunc-missing".</summary>
    public string AccessibleName
    {
        get
        {
            var name = $"prog {Program} on {(KernelIsNamed ? "kernel " + Kernel : Kernel)}: {Label}";
            if (ReasonCodes.Count > 0) name += ", " + string.Join(", ", ReasonCodes);
            return Lab == LabState.PredictedOnly ? name : $"{name}; {LabLabel}";
        }
    }
}
