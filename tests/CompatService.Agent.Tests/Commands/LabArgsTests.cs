using CompatService.Agent.Commands;

namespace CompatService.Agent.Tests.Commands;

/// <summary>The agent's `lab` and `load --program` arguments (the lab itself is tested in CompatService.Lab.Tests).</summary>
public sealed class LabArgsTests
{
    [Fact]
    public void Args_LabOptionsAndLoadProgram()
    {
        var (a, e) = AgentArgs.Parse(["lab", "--image", "vmlinuz", "--kernel", "dir", "--accel", "tcg", "--agent", "a", "x.o"]);
        Assert.Null(e);
        var o = LabArgs.Parse(a!, null);
        Assert.Equal(("vmlinuz", "dir", "tcg"), (o.Image, o.KernelDirectory, o.Accel));
        Assert.Equal(["x.o"], o.Objects);
        Assert.Equal("--program is an option of load", AgentArgs.Parse(["check", "--program", "p", "x.o"]).Error);
        Assert.Equal(["p", "q"], AgentArgs.Parse(["load", "--program", "p", "--program", "q", "x.o"]).Args!.Programs);
        Assert.Throws<InputException>(() => LabArgs.Parse(AgentArgs.Parse(["lab", "x.o"]).Args!, null));
    }
}
