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
            foreach (var message in parse.Errors.Select(e => Explain(e.Message)).Distinct()) stderr.WriteLine($"compat: {message}");
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

    /// <summary>System.CommandLine's wording, in the words CI scripts grep for ("unknown option", "unknown command").</summary>
    private static string Explain(string message)
    {
        var m = System.Text.RegularExpressions.Regex.Match(message, "^Unrecognized command or argument '(.*)'\\.?$");
        if (!m.Success) return message;
        var token = m.Groups[1].Value;
        return token.StartsWith('-') ? $"unknown option {token}" : $"unknown command or extra argument '{token}'";
    }
}
