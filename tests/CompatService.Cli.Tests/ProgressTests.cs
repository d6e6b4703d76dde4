using CompatService.Cli;

namespace CompatService.Cli.Tests;

/// <summary>Progress lines ('\r') only when stderr is a terminal; CI logs (redirected stderr) stay clean.</summary>
public sealed class ProgressTests
{
    private static string Drive(bool? interactive)
    {
        var err = new StringWriter();
        var p = new Progress(3, "reading", err, interactive, TimeSpan.Zero);
        p.Step("a.o");
        p.Step("b.o");
        p.Step("kernel");
        p.Done();
        return err.ToString();
    }

    [Fact]
    public void Terminal_ShowsProgress() => Assert.Contains("\rreading 3/3", Drive(interactive: true));

    [Fact]
    public void NotATerminal_PrintsNothing() => Assert.Equal("", Drive(interactive: false));

    [Fact]
    public void RedirectedStderr_IsDetected_AsNotATerminal()
    {
        // The test host redirects stderr, exactly like a CI job's log.
        Assert.True(Console.IsErrorRedirected);
        Assert.Equal("", Drive(interactive: null));
    }
}
