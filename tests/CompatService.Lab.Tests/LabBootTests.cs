using CompatService.Lab;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Lab.Tests;

/// <summary>
/// The kernel lab for real: boots Debian's 6.1 amd64 image under QEMU with every fixture object, loads each program
/// alone inside, and asserts the engine's verdict for that kernel (its corpus BTF and config) equals what the kernel did,
/// for every fixture program — or that the disagreement is listed, with its explanation, in
/// tests/fixtures/lab/known-disagreements.txt (printed here; a listed cell that agrees now fails too).
/// </summary>
public sealed class LabBootTests(ITestOutputHelper output)
{
    [LabFact]
    public async Task Fixtures_On61_ObservedEqualsPredicted()
    {
        var objects = Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(objects);
        var options = new LabRunOptions
        {
            Image = LabHost.Image, KernelDirectory = LabHost.KernelDir, Objects = objects, Agent = LabHost.Agent,
            BootTimeout = TimeSpan.FromSeconds(180), ProgramTimeout = TimeSpan.FromSeconds(60), Progress = output.WriteLine,
        };
        var kernel = LabKernelImage.Open(options.Image, options.KernelDirectory);
        var labObjects = LabRunner.ReadObjects(objects);
        var run = await LabRunner.RunAsync(options, kernel, labObjects);
        output.WriteLine($"{run.Release} {run.Accel}: boot {run.BootTime.TotalSeconds:0.0} s, total {run.Elapsed.TotalSeconds:0.0} s");

        Assert.True(run.Refused is null, $"refused: {run.Refused}");
        Assert.True(run.Aborted is null && run.Completed, $"incomplete: {run.Aborted}\n{run.ConsoleTail}");
        Assert.Equal(kernel.BtfSha256, run.GuestBtfSha256);
        var cells = LabComparison.Compare(kernel, labObjects, run);
        Assert.Equal(labObjects.Sum(o => o.Object.Programs.Count), cells.Count);

        var known = KnownDisagreements.Load(Path.Combine(TestPaths.Fixtures, "lab", "known-disagreements.txt"), LabHost.Kernel);
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
