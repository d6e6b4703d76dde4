using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Engine.Object;
using CompatService.Reporting;

namespace CompatService.Lab;

/// <summary>How a cell compares: the engine's verdict against what the kernel really did.</summary>
public enum LabAgreement
{
    /// <summary>predicted loads and it loaded, or predicted fails and it failed.</summary>
    Agreed,
    /// <summary>the engine said unknown (its reason names the missing input).</summary>
    Unknown,
    /// <summary>the engine said loads, the kernel refused: the worst kind.</summary>
    FalseLoads,
    /// <summary>the engine said fails, the kernel loaded it.</summary>
    FalseFails,
    /// <summary>no observation (timeout, crash, the run ended before it).</summary>
    NotObserved,
}

/// <summary>One program × kernel cell: prediction (engine on the kernel the guest runs), observation, comparison.</summary>
public sealed record LabCell(string Object, string ObjectSha256, string Program, Verdict Predicted, IReadOnlyList<Reason> Reasons,
    LabProgramResult Observed, LabAgreement Agreement, string Code)
{
    /// <summary>The kfuncs this program's object calls that an inserted module registers (empty: none, or a bare boot).</summary>
    public IReadOnlyList<string> ModuleKfuncs { get; init; } = [];

    public static string Class(LabAgreement a) => a switch
    {
        LabAgreement.Agreed => "agreed", LabAgreement.Unknown => "unknown", LabAgreement.FalseLoads => "false-loads",
        LabAgreement.FalseFails => "false-fails", _ => "not-observed",
    };
}

public static class LabComparison
{
    /// <summary>
    /// Compares every observed program with the engine's verdict on the guest's kernel (vmlinux, config, and the BTF of
    /// the modules the guest really inserted — none for a bare image).
    /// </summary>
    public static IReadOnlyList<LabCell> Compare(LabKernelImage kernel, IReadOnlyList<LabObject> objects, LabRunResult run)
    {
        var inserted = run.Inserted;
        var guest = kernel.GuestKernel(inserted);
        var moduleKfuncs = kernel.ModuleKfuncs(inserted);
        var label = kernel.Release ?? "lab";
        var byName = objects.GroupBy(o => o.Name).ToDictionary(g => g.Key, g => g.First());
        var predictions = new Dictionary<(string, string), ProgramResult>();
        foreach (var o in objects)
        {
            var results = CompatEngine.Check(o.Object, guest, label).ToContract();
            for (var i = 0; i < results.Count; i++) predictions[(o.Name, o.Object.Programs[i].Name)] = results[i];
        }
        var cells = new List<LabCell>();
        foreach (var r in run.Programs)
        {
            var o = byName[r.Object];
            var p = predictions[(r.Object, r.Program)];
            var (agreement, code) = Classify(p, r);
            cells.Add(new LabCell(o.Name, o.Sha256, r.Program, p.Verdict, p.Reasons, r, agreement, code)
            {
                ModuleKfuncs = CalledModuleKfuncs(o.Object, r.Program, moduleKfuncs),
            });
        }
        return cells;
    }

    /// <summary>
    /// The module kfuncs a program calls (or takes the address of: its instructions, subprograms included, reference
    /// them); for a cell that names no program of the object, those of the whole object.
    /// </summary>
    public static IReadOnlyList<string> CalledModuleKfuncs(BpfObject obj, string program, IReadOnlyDictionary<string, string> moduleKfuncs)
    {
        var externs = obj.Programs.FirstOrDefault(p => p.Name == program) is { } prog
            ? prog.References.Select(r => r.Extern).OfType<BpfExtern>()
            : obj.Externs;
        return externs.Where(e => e.Kind == ExternKind.Kfunc && moduleKfuncs.ContainsKey(e.EssentialName))
            .Select(e => e.EssentialName).Distinct().Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The class and the reason code that explains it (the verdict's first reason; notes for a false loads).</summary>
    public static (LabAgreement, string) Classify(ProgramResult p, LabProgramResult r)
    {
        var first = p.Reasons.FirstOrDefault()?.Code ?? "none";
        if (r.Loaded is null) return (LabAgreement.NotObserved, r.Status.ToString().ToLowerInvariant());
        return (p.Verdict, r.Loaded.Value) switch
        {
            (Verdict.Loads, true) or (Verdict.Fails, false) => (LabAgreement.Agreed, first),
            (Verdict.Unknown, _) => (LabAgreement.Unknown, first),
            (Verdict.Loads, false) => (LabAgreement.FalseLoads, first),
            _ => (LabAgreement.FalseFails, first),
        };
    }
}

/// <summary>Per kernel: cells compared, agreed, unknown, disagreements by class and reason code.</summary>
public sealed record LabAgreementRow(string Kernel, int Cells, int Agreed, int Unknown, int NotObserved,
    IReadOnlyDictionary<string, int> Disagreements)
{
    public static LabAgreementRow Of(string kernel, IReadOnlyList<LabCell> cells) => new(
        kernel, cells.Count(c => c.Agreement != LabAgreement.NotObserved), cells.Count(c => c.Agreement == LabAgreement.Agreed),
        cells.Count(c => c.Agreement == LabAgreement.Unknown), cells.Count(c => c.Agreement == LabAgreement.NotObserved),
        cells.Where(c => c.Agreement is not (LabAgreement.Agreed or LabAgreement.NotObserved))
            .GroupBy(c => $"{LabCell.Class(c.Agreement)} {c.Code}")
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count()));
}
