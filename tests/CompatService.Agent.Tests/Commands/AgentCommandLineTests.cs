using CompatService.Agent.Commands;

namespace CompatService.Agent.Tests.Commands;

/// <summary>The agent's command line on System.CommandLine: help per command, validation, --version, completion.</summary>
public class AgentCommandLineTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = await new AgentApp(o, e).RunAsync(args);
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public async Task Help_ListsEveryCommand_AndEachCommandHasItsOwnHelp()
    {
        var (code, stdout, _) = await Run("--help");
        Assert.Equal(0, code);
        foreach (var c in new[] { "check", "load", "report", "bench", "lab" }) Assert.Contains(c, stdout);
        (code, stdout, _) = await Run("load", "--help");
        Assert.Equal(0, code);
        foreach (var o in new[] { "--force", "--pin", "--size-maps", "--program", "--server", "--strict", "--format" }) Assert.Contains(o, stdout);
        (code, stdout, _) = await Run("lab", "--help");
        Assert.Equal(0, code);
        foreach (var o in new[] { "--image", "--accel", "--boot-timeout", "--program-timeout", "--output-cap", "--skip-bad-objects" }) Assert.Contains(o, stdout);
        Assert.DoesNotContain("--force", stdout); // lab loads with --force inside the guest; it is not a lab option
    }

    [Fact]
    public async Task Version_PrintsTheAssemblyVersion()
    {
        var (code, stdout, _) = await Run("--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }

    [Theory]
    [InlineData("--accel", "qemu", "auto")]            // allowed values are listed
    [InlineData("--boot-timeout", "0", "positive")]    // numbers are validated before the lab starts
    [InlineData("--memory", "lots", "positive")]
    public async Task LabOptions_AreValidated(string option, string value, string expected)
    {
        var (code, _, err) = await Run("lab", "--image", "vmlinuz", option, value, "x.o");
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Contains("compat-agent lab --help", err);
    }

    [Fact]
    public async Task BadUsage_SaysWhatIsWrong_InOneLinePerProblem()
    {
        var (code, _, err) = await Run("check", "x.o", "--format", "yaml");
        Assert.Equal(2, code);
        Assert.Contains("compat-agent: ", err);
        Assert.Contains("text", err);
        (code, _, err) = await Run("check", "x.o", "--bogus");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --bogus", err);
        (code, _, err) = await Run("bench", "x.o", "--iterations", "-3");
        Assert.Equal(2, code);
        Assert.Contains("--iterations needs a positive number", err);
        (code, _, err) = await Run("frobnicate");
        Assert.Equal(2, code);
        Assert.Contains("frobnicate", err);
    }

    [Fact]
    public async Task Completion_SuggestsCommandsAndOptionValues()
    {
        var (code, stdout, _) = await Run("[suggest]", "l");
        Assert.Equal(0, code);
        Assert.Contains("load", stdout);
        Assert.Contains("lab", stdout);
        (_, stdout, _) = await Run("[suggest:15]", "check --format "); // what dotnet-suggest sends: cursor position + line
        Assert.Equal(["json", "text"], stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void ParsedValues_ReachTheCommands()
    {
        var (a, e) = AgentArgs.Parse(["load", "a.o", "b.o", "--force", "--size-maps", "--pin", "/sys/fs/bpf/x", "--program", "p",
            "--strict", "-v", "--format", "json", "--server", "http://svc:8080", "--api-key", "k", "--host-root", "/tmp/h"]);
        Assert.Null(e);
        Assert.Equal(["a.o", "b.o"], a!.Objects);
        Assert.Equal((true, true, "/sys/fs/bpf/x", true, true, "json"), (a.Force, a.SizeUnsizedMaps, a.PinDirectory, a.Strict, a.Verbose, a.Format));
        Assert.Equal(("http://svc:8080", "k", "/tmp/h"), (a.Server, a.ApiKey, a.HostRoot));
        Assert.Equal(["p"], a.Programs);
        Assert.Equal(250, AgentArgs.Parse(["bench", "x.o", "--iterations", "250"]).Args!.Iterations);
    }
}
