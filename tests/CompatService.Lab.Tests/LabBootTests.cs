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
        var options = new LabRunOptions
        {
            Image = LabHost.Image, KernelDirectory = LabHost.KernelDir, Objects = LabTestRun.FixtureObjects(), Agent = LabHost.Agent,
            BootTimeout = TimeSpan.FromSeconds(180), ProgramTimeout = TimeSpan.FromSeconds(60), Progress = output.WriteLine,
        };
        var outcome = await LabTestRun.RunAndCompareAsync(options, output);
        LabTestRun.AssertAgreedOrKnown(outcome, LabHost.Kernel, output);
    }
}
