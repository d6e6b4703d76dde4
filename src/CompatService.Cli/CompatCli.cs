using CompatService.Reporting;

namespace CompatService.Cli;

/// <summary>The `compat` command: dispatch, exit codes (0 ok, 1 some program does not load, 2 bad input or usage).</summary>
public static class CompatCli
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var root = CompatCommands.Root(stdout, stderr);
        if (args.Length == 0)
        {
            root.Parse(["--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = stderr }); // the one help text
            return 2;
        }
        if (args is ["help", ..]) args = [.. args[1..], "--help"];
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var message in parse.Errors.Select(e => Explain(e.Message, root)).Distinct()) stderr.WriteLine($"compat: {message}");
            stderr.WriteLine("(see compat --help, or compat COMMAND --help)");
            return 2;
        }
        try
        {
            return parse.Invoke(new System.CommandLine.InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine($"compat: {e.Message}");
            return 2;
        }
        catch (Engine.Binary.AnalysisBudgetExceededException e)
        {
            // An object (or object × kernel) over --work-budget: bad input for this budget, like a malformed file.
            stderr.WriteLine($"compat: {e.Message}");
            return 2;
        }
    }

    private static string Explain(string message, System.CommandLine.RootCommand root) =>
        UsageWords.Explain(message, token => root.Subcommands.Where(c => c.Options.Any(o => o.Name == token || o.Aliases.Contains(token))).Select(c => c.Name));
}
