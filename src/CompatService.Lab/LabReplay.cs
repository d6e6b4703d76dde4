namespace CompatService.Lab;

/// <summary>
/// Compares a kept run's raw evidence again: the guest's results port (`results.log` in the run's `--work` directory)
/// is parsed with the plan of the same objects, without booting — so an engine change is measured against the same real
/// loads. Refused when the log's guest BTF is not this kernel's or a program's answer is not for the plan entry it
/// stands at (other objects, other order).
/// </summary>
public static class LabReplay
{
    public static LabRunResult Run(LabKernelImage kernel, IReadOnlyList<LabObject> objects, string resultsLog, long outputCap) =>
        Run(kernel.BtfSha256, kernel.Release, objects, resultsLog, outputCap);

    public static LabRunResult Run(string btfSha256, string? release, IReadOnlyList<LabObject> objects, string resultsLog, long outputCap)
    {
        if (!File.Exists(resultsLog)) throw new LabException($"{resultsLog}: no such results log");
        var plan = LabRunner.Plan(objects);
        string text;
        using (var f = File.OpenRead(resultsLog))
        {
            var buf = new byte[Math.Min(f.Length, outputCap)];
            f.ReadExactly(buf);
            text = System.Text.Encoding.UTF8.GetString(buf);
        }
        var parsed = LabSerial.Parse(text, plan);
        if (parsed.GuestBtfSha256 is not { } g) throw new LabException($"{resultsLog}: the guest never reported its BTF (not a lab results log)");
        if (g != btfSha256) throw new LabException($"{resultsLog}: guest BTF {g} is not this kernel's {btfSha256}");
        if (parsed.RefusedReason is { } why) throw new LabException($"{resultsLog}: that run was refused: {why}");
        foreach (var (i, r) in parsed.Programs)
            if (r.GuestObject is { } obj && !obj.EndsWith("/" + plan[i].GuestObject, StringComparison.Ordinal))
                throw new LabException($"{resultsLog}: entry {i} answered for {obj}, the plan has {plan[i].GuestObject} (other objects or order)");
        var aborted = parsed.Done ? null : "the kept run ended before every program was answered";
        return new LabRunResult
        {
            ExpectedBtfSha256 = btfSha256, GuestBtfSha256 = g, Release = parsed.GuestRelease ?? release,
            Accel = "replay", Completed = parsed.Done, Aborted = aborted, Modules = parsed.Modules,
            Programs = plan.Select(e => parsed.Programs.GetValueOrDefault(e.Index) ??
                new LabProgramResult(e.Index, e.ObjectFile, e.Program, LabStatus.NotRun, null, null, aborted, null, null, null)).ToList(),
        };
    }
}
