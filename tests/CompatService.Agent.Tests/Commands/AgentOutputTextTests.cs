using CompatService.Agent.Commands;
using CompatService.Contracts;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Agent.Tests.Commands;

/// <summary>The agent's text output names each reason code once per program; --verbose brings every message back.</summary>
public class AgentOutputTextTests
{
    private static AgentOutput Output()
    {
        var repeated = Enumerable.Range(0, 7)
            .Select(i => new Reason(ReasonCodes.ObjectOpenFailed, null, i, $"relocation #{i} against a legacy map section"))
            .Append(new Reason(ReasonCodes.KfuncMissing, "bpf_x", 3, "kfunc 'bpf_x' not found"))
            .ToList();
        return new AgentOutput(new AgentKernelInfo("6.18.0", new string('a', 64)),
            [new AgentProgramLine("obj.o", "prog", Verdict.Fails, null, null, null, repeated)]);
    }

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    [Fact]
    public void EachReasonCode_IsPrintedOncePerProgram_WithACount()
    {
        var text = AgentOutputText.Render(Output());
        Assert.Equal(2, Count(text, ReasonCodes.ObjectOpenFailed + ":")); // the first message + one "and 6 more" line
        Assert.Contains("relocation #0 against", text);
        Assert.DoesNotContain("relocation #1 against", text);
        Assert.Contains("... and 6 more like it (--verbose lists them)", text);
        Assert.Equal(1, Count(text, ReasonCodes.KfuncMissing));
    }

    [Fact]
    public void Verbose_PrintsEveryMessage()
    {
        var text = AgentOutputText.Render(Output(), verbose: true);
        Assert.Equal(7, Count(text, ReasonCodes.ObjectOpenFailed + ":"));
        Assert.DoesNotContain("more like it", text);
    }

    [Fact]
    public async Task VerboseFlag_IsAccepted_ByEveryCommandLine()
    {
        var (args, error) = AgentArgs.Parse(["check", "x.o", "--verbose"]);
        Assert.Null(error);
        Assert.True(args!.Verbose);
        var o = new StringWriter();
        Assert.Equal(0, await new AgentApp(o, new StringWriter(), null).RunAsync(["--help"]));
        Assert.Contains("--verbose", o.ToString());
    }
}
