using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Lab.Tests;

/// <summary>
/// What every boot test does: run the lab, check the run completed on the kernel the predictions were made for, compare
/// each program's prediction with what the guest did; and, for the fixture runs, hold the disagreements to
/// tests/fixtures/lab/known-disagreements.txt.
/// </summary>
internal static class LabTestRun
{
    public sealed record Outcome(LabKernelImage Kernel, IReadOnlyList<LabObject> Objects, LabRunResult Run, IReadOnlyList<LabCell> Cells);

    /// <summary>Every fixture object (little-endian), in name order.</summary>
    public static List<string> FixtureObjects()
    {
        var objects = Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(objects);
        return objects;
    }

    /// <summary>Boots <paramref name="options"/>' kernel with its objects; asserts the run completed on that kernel (guest BTF = predicted BTF).</summary>
    public static async Task<Outcome> RunAndCompareAsync(LabRunOptions options, ITestOutputHelper output)
    {
        var kernel = LabKernelImage.Open(options.Image, options.KernelDirectory);
        var objects = LabRunner.ReadObjects(options.Objects);
        var run = await LabRunner.RunAsync(options, kernel, objects);
        output.WriteLine($"{run.Release} {run.Accel}: boot {run.BootTime.TotalSeconds:0.0} s, total {run.Elapsed.TotalSeconds:0.0} s");
        foreach (var m in run.Modules) output.WriteLine($"insmod {m.Name}: {m.ExitCode} {m.Message}");
        Assert.True(run.Refused is null, $"refused: {run.Refused}");
        Assert.True(run.Aborted is null && run.Completed, $"incomplete: {run.Aborted}\n{run.ConsoleTail}");
        Assert.Equal(kernel.BtfSha256, run.GuestBtfSha256);
        return new Outcome(kernel, objects, run, LabComparison.Compare(kernel, objects, run));
    }

    /// <summary>
    /// Every program has a cell, and every cell agrees or is listed (with its explanation) under <paramref name="kernelName"/>
    /// in known-disagreements.txt; a listed cell that agrees now fails too.
    /// </summary>
    public static void AssertAgreedOrKnown(Outcome outcome, string kernelName, ITestOutputHelper output)
    {
        var cells = outcome.Cells;
        Assert.Equal(outcome.Objects.Sum(o => o.Object.Programs.Count), cells.Count);
        var known = KnownDisagreements.Load(Path.Combine(TestPaths.Fixtures, "lab", "known-disagreements.txt"), kernelName);
        var unexplained = new List<string>();
        foreach (var c in cells.Where(c => c.Agreement != LabAgreement.Agreed))
        {
            var key = KnownDisagreements.Key(c.Object, c.Program, LabCell.Class(c.Agreement), c.Code);
            var line = $"{c.Object} {c.Program}: predicted {c.Predicted}, observed {c.Observed.Status} [{key}] {c.Observed.VerifierTail?.Split('\n').LastOrDefault()}";
            if (known.Remove(key, out var why)) output.WriteLine($"known disagreement: {line} -- {why}");
            else unexplained.Add(line);
        }
        output.WriteLine($"{cells.Count} cells, {cells.Count(c => c.Agreement == LabAgreement.Agreed)} agreed");
        Assert.True(unexplained.Count == 0, "disagreements not in known-disagreements.txt:\n" + string.Join('\n', unexplained));
        Assert.True(known.Count == 0, "listed in known-disagreements.txt but agreeing now (remove them):\n" + string.Join('\n', known.Keys));
    }
}

/// <summary>tests/fixtures/lab/known-disagreements.txt: "KERNEL OBJECT PROGRAM CLASS CODE -- why" per line.</summary>
public static class KnownDisagreements
{
    public static string Key(string obj, string program, string cls, string code) => $"{obj} {program} {cls} {code}";

    public static Dictionary<string, string> Load(string path, string kernel)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var (head, why) = line.IndexOf(" -- ", StringComparison.Ordinal) is var i and >= 0 ? (line[..i], line[(i + 4)..]) : (line, "");
            var f = head.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 5 || why.Trim().Length == 0) throw new FormatException($"{path}: '{line}' is not 'KERNEL OBJECT PROGRAM CLASS CODE -- why'");
            if (f[0] == kernel) map[Key(f[1], f[2], f[3], f[4])] = why.Trim();
        }
        return map;
    }
}
