using CompatService.Cli.Commands;

namespace CompatService.Cli;

/// <summary>The `compat` command: dispatch, exit codes (0 ok, 1 some program does not load, 2 bad input or usage).</summary>
public static class CompatCli
{
    private static readonly HashSet<string> Flags = new(StringComparer.Ordinal) { "help", "strict" };

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
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            (args.Length == 0 ? stderr : stdout).WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var rest = new CliArgs(args.Skip(1), Flags);
            rest.WorkBudget(); // validated (and known to every command) before the command runs
            return args[0] switch
            {
                "inspect" => InspectCommand.Run(rest, stdout),
                "kernel" => KernelCommand.Run(rest, stdout),
                "check" => CheckCommand.Run(rest, stdout),
                "relocate" => RelocateCommand.Run(rest, stdout),
                "disasm" => DisasmCommand.Run(rest, stdout),
                "ci" => CiCommand.Run(rest, stdout, stderr),
                _ => throw new CliUsageException($"unknown command '{args[0]}'\n{Usage}"),
            };
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
}
