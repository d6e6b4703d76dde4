namespace CompatService.Cli;

/// <summary>The `compat` command: dispatch, exit codes (0 ok, 1 some program does not load, 2 bad input or usage).</summary>
public static class CompatCli
{
    public const string Usage = """
        compat — will this BPF program load on that kernel?

          compat inspect OBJECT [--format text|json]
          compat kernel KERNEL [--format text|json]
          compat check OBJECT... --kernel KERNEL [--kernel KERNEL ...] [--format text|json|markdown]
          compat relocate OBJECT --kernel KERNEL --program NAME [--format json|text]
          compat disasm OBJECT [--program NAME] [--kernel KERNEL]
          (every command: --work-budget STEPS bounds the engine's work per object read and per object × kernel
          checked; over it: "too complex to analyse: ..." and exit 2)
          compat ci OBJECT --server URL [--labels k=v,...] [--release R] [--min-release R] [--max-release R]
                    [--arch A] [--strict] [--api-key K] [--format text|json|junit|markdown]
                    (asks a running CompatService; exit 3 if unreachable; --release 6.12 means every 6.12.x,
                    a full release like 6.1.0-47-amd64 exactly; bounds are inclusive)

        KERNEL: raw BTF (either byte order), gzip'd BTF, a vmlinux ELF, /sys/kernel/btf/vmlinux,
                or a directory like shared/corpus/btf/<kernel>/ (vmlinux.btf.gz + modules/*.btf.gz).
        Exit codes: 0 every program loads everywhere, 1 some do not, 2 bad input or usage.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine(Usage);
            return 2;
        }
        if (args is ["help", ..]) args = [.. args[1..], "--help"];
        var root = CompatCommands.Root(stdout, stderr);
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
