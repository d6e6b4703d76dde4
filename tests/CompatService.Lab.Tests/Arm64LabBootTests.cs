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
        var options = new LabRunOptions
        {
            Image = Arm64LabHost.Image, KernelDirectory = Arm64LabHost.KernelDir, Objects = LabTestRun.FixtureObjects(),
            Agent = Arm64LabHost.Agent, Sysroot = Arm64LabHost.Sysroot, BootTimeout = TimeSpan.FromSeconds(300),
            ProgramTimeout = TimeSpan.FromSeconds(90), Progress = output.WriteLine,
        };
        var outcome = await LabTestRun.RunAndCompareAsync(options, output);
        Assert.Same(LabArch.Arm64, outcome.Kernel.Arch);
        Assert.Equal("6.1.0-56-arm64", outcome.Run.Release);
        LabTestRun.AssertAgreedOrKnown(outcome, Arm64LabHost.Kernel, output);
    }
}

/// <summary>A fact that boots the arm64 lab; skipped with the first missing piece.</summary>
public sealed class Arm64LabFactAttribute : FactAttribute
{
    public Arm64LabFactAttribute() { if (Arm64LabHost.UnavailableReason() is { } r) Skip = r; }
}
