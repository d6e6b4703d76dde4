using CompatService.Lab;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Lab.Tests;

/// <summary>
/// The kernel lab on arm64 for real: Debian's 6.1 arm64 Image.gz under qemu-system-aarch64 (TCG) with the arm64 native
/// agent (scripts/build-agent-arm64.sh: NativeAOT cross-published, Debian arm64 sysroot), every fixture loaded alone,
/// observed == predicted for every program (or listed in known-disagreements.txt under the arm64 kernel).
/// Not built in CI (a cross publish and Debian arm64 downloads): skips with the reason when any piece is absent.
/// </summary>
public sealed class Arm64LabBootTests(ITestOutputHelper output)
{
    [Arm64LabFact]
    public async Task Fixtures_On61Arm64_ObservedEqualsPredicted()
    {
        var objects = Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Order(StringComparer.Ordinal).ToList();
        var options = new LabRunOptions
        {
            Image = Arm64LabHost.Image, KernelDirectory = Arm64LabHost.KernelDir, Objects = objects, Agent = Arm64LabHost.Agent,
            Sysroot = Arm64LabHost.Sysroot, BootTimeout = TimeSpan.FromSeconds(300), ProgramTimeout = TimeSpan.FromSeconds(90),
            Progress = output.WriteLine,
        };
        var kernel = LabKernelImage.Open(options.Image, options.KernelDirectory);
        Assert.Same(LabArch.Arm64, kernel.Arch);
        var labObjects = LabRunner.ReadObjects(objects);
        var run = await LabRunner.RunAsync(options, kernel, labObjects);
        output.WriteLine($"{run.Release} {run.Accel}: boot {run.BootTime.TotalSeconds:0.0} s, total {run.Elapsed.TotalSeconds:0.0} s");

        Assert.True(run.Refused is null, $"refused: {run.Refused}");
        Assert.True(run.Aborted is null && run.Completed, $"incomplete: {run.Aborted}\n{run.ConsoleTail}");
        Assert.Equal(kernel.BtfSha256, run.GuestBtfSha256);
        Assert.Equal("6.1.0-56-arm64", run.Release);
        var cells = LabComparison.Compare(kernel, labObjects, run);
        Assert.Equal(labObjects.Sum(o => o.Object.Programs.Count), cells.Count);

        var known = KnownDisagreements.Load(Path.Combine(TestPaths.Fixtures, "lab", "known-disagreements.txt"), Arm64LabHost.Kernel);
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

/// <summary>A fact that boots the arm64 lab; skipped with the first missing piece.</summary>
public sealed class Arm64LabFactAttribute : FactAttribute
{
    public Arm64LabFactAttribute() { if (Arm64LabHost.UnavailableReason() is { } r) Skip = r; }
}
