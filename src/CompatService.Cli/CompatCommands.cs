using System.CommandLine;
using System.CommandLine.Parsing;
using CompatService.Cli.Commands;

namespace CompatService.Cli;

/// <summary>
/// The `compat` command line as System.CommandLine declares it: every command, argument and option with its help text,
/// the allowed values of --format (validated and tab-completed), `--version`, `--help` on every command, and the
/// `[suggest]` directive for shell completion. Each command's action hands the parsed values to its command class as a
/// <see cref="CliArgs"/> (the commands keep their own checks and messages).
/// </summary>
internal static class CompatCommands
{
    public static RootCommand Root(TextWriter stdout, TextWriter stderr)
    {
        var workBudget = new Option<string>("--work-budget")
        {
            Description = "Bound the engine's work per object read and per object × kernel checked (steps); over it: \"too complex to analyse\", exit 2",
            HelpName = "STEPS", Recursive = true,
        };
        var root = new RootCommand("compat — will this BPF program load on that kernel?\n\n" +
            "KERNEL: raw BTF (either byte order), gzip'd BTF, a vmlinux ELF, a vmlinuz / bzImage / Image, a Debian linux-image .deb,\n" +
            "/sys/kernel/btf/vmlinux, or a directory like shared/corpus/btf/<kernel>/ (vmlinux.btf.gz + modules/*.btf.gz).\n" +
            "Exit codes: 0 every program loads everywhere, 1 some do not, 2 bad input or usage, 3 service unreachable (ci).");
        root.Options.Add(workBudget);

        var kernelOne = () => new Option<string>("--kernel") { Description = "The kernel (see KERNEL below)", HelpName = "KERNEL" };
        var program = () => new Option<string>("--program") { Description = "The program's name (its function name)", HelpName = "NAME" };

        Add(root, "inspect", "What each program of an object needs: program/attach type, helpers, map types, kfuncs and ksyms (weak or not, guarded or not), kconfig externs",
            [Objects(1)], [Format("text", "json")], a => InspectCommand.Run(a, stdout));
        Add(root, "kernel", "A kernel's BPF surface: kfuncs with prototypes and KF_* flags, ksyms, helpers, program/attach/map/link types, features",
            [new Argument<string>("KERNEL") { Description = "The kernel" }], [Format("text", "json")], a => KernelCommand.Run(a, stdout));
        Add(root, "check", "The matrix: does each program of each object load on each kernel, and if not, why",
            [Objects(2)],
            [new Option<string[]>("--kernel") { Description = "A kernel to check against (repeat for several)", HelpName = "KERNEL", AllowMultipleArgumentsPerToken = false },
             Format("text", "json", "markdown"),
             new Option<bool>("--minimum-kernel") { Description = "Add, per program and kernel stream (distro · arch · flavour), the oldest kernel it loads from and why it fails on the one before (json: \"minimumKernels\")" }],
            a => CheckCommand.Run(a, stdout));
        Add(root, "relocate", "The instructions a loader sends for one program on one kernel, with every fixup (kfunc calls, poisoned calls, CO-RE)",
            [Objects(1)], [kernelOne(), program(), Format("json", "text")], a => RelocateCommand.Run(a, stdout));
        Add(root, "disasm", "Disassemble an object's programs, with a kernel's fixups marked",
            [Objects(1)], [program(), kernelOne()], a => DisasmCommand.Run(a, stdout));
        Add(root, "ci", "Ask a running CompatService (CI gate): exit 0 when every program loads on the selected kernels",
            [Objects(2)],
            [Text("--server", "URL", "The service (or COMPAT_SERVER)"),
             Text("--labels", "k=v,...", "Kernel labels that must all match"),
             Text("--release", "R", "6.12 means every 6.12.x; a full release like 6.1.0-47-amd64 exactly"),
             Text("--min-release", "R", "Oldest release (inclusive)"), Text("--max-release", "R", "Newest release (inclusive)"),
             Text("--arch", "A", "Only kernels of this architecture"),
             new Option<bool>("--strict") { Description = "An unknown verdict fails the gate" },
             Text("--api-key", "K", "The service's key (or COMPAT_API_KEY)"),
             Format("text", "json", "junit", "markdown")],
            a => CiCommand.Run(a, stdout, stderr));
        return root;
    }

    private static Argument Objects(int max) => max == 1
        ? new Argument<string>("OBJECT") { Description = "A BPF object (ELF, either byte order)" }
        : new Argument<string[]>("OBJECT") { Arity = ArgumentArity.OneOrMore, Description = "BPF objects (ELF, either byte order)" };

    private static Option<string> Text(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    private static Option<string> Format(params string[] allowed)
    {
        var o = new Option<string>("--format") { Description = $"Output format (default {allowed[0]})", HelpName = string.Join('|', allowed) };
        o.AcceptOnlyFromAmong(allowed);
        return o;
    }

    private static void Add(RootCommand root, string name, string description, Argument[] arguments, Option[] options, Func<CliArgs, int> run)
    {
        var command = new Command(name, description);
        foreach (var a in arguments) command.Arguments.Add(a);
        foreach (var o in options) command.Options.Add(o);
        command.SetAction(parse =>
        {
            var args = ToArgs(parse, command, root);
            args.WorkBudget(); // validated (and known to every command) before the command runs
            return run(args);
        });
        root.Subcommands.Add(command);
    }

    /// <summary>The parsed values as the commands read them: positional arguments and `--name` → values.</summary>
    private static CliArgs ToArgs(ParseResult parse, Command command, RootCommand root)
    {
        var positional = command.Arguments.SelectMany(a => parse.GetResult(a)?.Tokens.Select(t => t.Value) ?? []).ToList();
        // System.CommandLine hands an unknown `--opt` to a command's arguments; a typo must not be read as a file name.
        if (positional.FirstOrDefault(p => p.StartsWith("--", StringComparison.Ordinal) && p.Length > 2) is { } typo
            && !parse.Tokens.Any(t => t.Value == "--"))
            throw new CliUsageException($"unknown option {typo} (see compat {command.Name} --help)");
        var options = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var o in command.Options.Concat(root.Options.Where(o => o.Recursive)))
        {
            if (parse.GetResult(o) is not { Implicit: false } r) continue;
            var values = r.Tokens.Select(t => t.Value).ToList();
            options[o.Name.TrimStart('-')] = values.Count > 0 ? values : ["true"];
        }
        return new CliArgs(positional, options);
    }
}
