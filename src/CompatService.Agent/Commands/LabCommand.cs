using System.Text.Json.Serialization;
using CompatService.Contracts;
using CompatService.Lab;

namespace CompatService.Agent.Commands;

/// <summary>
/// `lab --image VMLINUZ|DEB [--kernel DIR] OBJECT...`: boots the kernel under QEMU with this agent inside, loads every
/// program alone (`load --force`), compares each real outcome with the engine's verdict for that kernel. With
/// `--replay RESULTS.LOG` (a kept run's serial output) the same real outcomes are compared again without booting.
/// </summary>
public static class LabCommand
{
    public static async Task<int> RunAsync(AgentApp app, AgentArgs args, CancellationToken ct)
    {
        var options = LabArgs.Parse(args, line => app.Err.WriteLine($"compat-agent lab: {line}"));
        LabKernelImage kernel;
        IReadOnlyList<LabObject> objects;
        try
        {
            objects = LabRunner.ReadObjects(args.Objects,
                args.LabOptions.Contains("--skip-bad-objects") ? line => app.Err.WriteLine($"compat-agent lab: {line}") : null);
            kernel = LabKernelImage.Open(options.Image, options.KernelDirectory, modules: !args.LabOptions.Contains("--no-modules"));
            foreach (var note in kernel.Modules.Notes) app.Err.WriteLine($"compat-agent lab: modules: {note}");
        }
        catch (LabException e) { throw new InputException(e.Message); }
        catch (Exception e) when (e is Engine.Binary.BpfFormatException or FileNotFoundException) { throw new InputException($"{options.Image}: {e.Message}"); }

        LabRunResult run;
        try
        {
            run = options.Replay is { } log ? LabReplay.Run(kernel, objects, log, options.OutputCap)
                : await LabRunner.RunAsync(options, kernel, objects, ct);
        }
        catch (LabException e) { app.Err.WriteLine($"compat-agent lab: {e.Message}"); return AgentApp.ServiceError; }

        if (run.Inserted.Count > 0 && kernel.GuestKallsyms(run.Inserted, out var why) is not null && why is not null)
            app.Err.WriteLine($"compat-agent lab: kallsyms: the image's only (vmlinux), a name it lacks stays unknown: {why}");
        var cells = run.Refused is null ? LabComparison.Compare(kernel, objects, run) : [];
        var summary = LabAgreementRow.Of(run.Release ?? "?", cells);
        var output = new LabOutput(new LabKernelOut(run.Release, run.ExpectedBtfSha256, run.GuestBtfSha256), run.Accel, run.Completed,
            run.Refused, run.Aborted, Math.Round(run.BootTime.TotalSeconds, 1), Math.Round(run.Elapsed.TotalSeconds, 1), summary,
            cells.Select(c => new LabOutputCell(c.Object, c.Program, c.Predicted, c.Observed.Status.ToString().ToLowerInvariant(),
                c.Observed.Errno, c.Observed.VerifierTail, LabCell.Class(c.Agreement), c.Code, c.Reasons)
            { ModuleKfuncs = c.ModuleKfuncs.Count > 0 ? c.ModuleKfuncs : null }).ToList())
        { Modules = LabModulesOut.Of(kernel, run, cells) };
        if (args.Format == "json") app.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(output, AgentJson.Readable.LabOutput));
        else app.Out.Write(Text(output, run));
        if (run.Refused is not null || run.Aborted is not null)
        {
            app.Err.WriteLine($"compat-agent lab: {run.Refused ?? run.Aborted}");
            if (run.ConsoleTail.Length > 0) app.Err.WriteLine(run.ConsoleTail);
            return AgentApp.ServiceError;
        }
        return cells.All(c => c.Agreement is LabAgreement.Agreed or LabAgreement.Unknown) && run.Completed ? AgentApp.Ok : AgentApp.Failure;
    }

    private static string Text(LabOutput o, LabRunResult run)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append($"kernel {o.Kernel.Release} btf {o.Kernel.BtfSha256[..16]} guest {(o.Kernel.GuestBtfSha256 ?? "(none)")[..Math.Min(16, (o.Kernel.GuestBtfSha256 ?? "(none)").Length)]}");
        sb.AppendLine($" · {o.Accel} · boot {o.BootSeconds} s · total {o.ElapsedSeconds} s{(o.Completed ? "" : " · INCOMPLETE")}");
        var s = o.Summary;
        sb.AppendLine($"cells {s.Cells} · agreed {s.Agreed} · unknown {s.Unknown} · not observed {s.NotObserved}");
        if (o.Modules is { } m)
        {
            sb.AppendLine($"modules ({m.DependencySource}): " + string.Join(", ", m.Inserted.Select(i => $"{i.Name} {(i.ExitCode == 0 ? "inserted" : $"FAILED {i.ExitCode} {i.Message}")}")));
            sb.AppendLine($"module-kfunc cells {m.KfuncCells} · agreed {m.KfuncAgreed}");
        }
        foreach (var (k, n) in s.Disagreements) sb.AppendLine($"  {n,5} × {k}");
        foreach (var c in o.Programs.Where(c => c.Agreement is not "agreed"))
        {
            sb.AppendLine($"{c.Object}: {c.Name}: predicted {AgentOutputText.Wire(c.Predicted)}, observed {c.Observed}{(c.Errno is { } e ? $" ({Loader.Syscalls.Errno.Name(e)})" : "")} [{c.Agreement} {c.Code}]");
            if (c.VerifierTail is { Length: > 0 } t && c.Observed != "loaded")
                foreach (var line in t.Split('\n').TakeLast(3)) sb.AppendLine($"    | {line}");
        }
        _ = run;
        return sb.ToString();
    }
}

public sealed record LabKernelOut(
    [property: JsonPropertyName("release")] string? Release,
    [property: JsonPropertyName("btfSha256")] string BtfSha256,
    [property: JsonPropertyName("guestBtfSha256")] string? GuestBtfSha256);

/// <summary>`lab --format json`.</summary>
public sealed record LabOutput(LabKernelOut Kernel, string Accel, bool Completed, string? Refused, string? Aborted,
    double BootSeconds, double ElapsedSeconds, LabAgreementRow Summary, IReadOnlyList<LabOutputCell> Programs)
{
    /// <summary>The modules inserted before loading (a package's kfunc-set modules); absent for a bare image.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public LabModulesOut? Modules { get; init; }
}

public sealed record LabOutputCell(string Object, string Name, Verdict Predicted, string Observed, int? Errno, string? VerifierTail,
    string Agreement, string Code, IReadOnlyList<Reason> Reasons)
{
    /// <summary>Kfuncs of an inserted module the object calls; absent when none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<string>? ModuleKfuncs { get; init; }
}

/// <summary>What the guest inserted (insmod's exit code per module) and how the cells that call a module kfunc compare.</summary>
public sealed record LabModulesOut(string DependencySource, IReadOnlyList<LabInsmod> Inserted, int KfuncCells, int KfuncAgreed)
{
    public static LabModulesOut? Of(LabKernelImage kernel, LabRunResult run, IReadOnlyList<LabCell> cells)
    {
        if (kernel.Modules.InOrder.Count == 0 && run.Modules.Count == 0) return null;
        var kfuncCells = cells.Where(c => c.ModuleKfuncs.Count > 0 && c.Agreement != LabAgreement.NotObserved).ToList();
        return new LabModulesOut(kernel.Modules.DependencySource, run.Modules, kfuncCells.Count, kfuncCells.Count(c => c.Agreement == LabAgreement.Agreed));
    }
}
