using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using CompatService.Reporting;

namespace CompatService.Agent.Commands;

/// <summary>
/// The `compat-agent` command line as System.CommandLine declares it: every command and option with its help text,
/// allowed values validated and tab-completed (`[suggest]` directive), `--version`, `--help` on every command. The
/// parse result becomes an <see cref="AgentArgs"/> (what the commands read); the checks that span options (a server
/// URL, `report` needs a server, `--program` only with `load`) stay in <see cref="AgentArgs.Validate"/>.
/// </summary>
public static class AgentCommandLine
{
    public const string Description = "compat-agent — ask CompatService (or the engine, offline) before loading BPF programs, load them through bpf(2), " +
        "report what really happened.\n\nExit codes: 0 all good, 1 a predicted or observed failure, 2 bad input or usage, 3 server or I/O error.";

    /// <summary>Options every command accepts (declared once, recursive).</summary>
    private sealed record Common(Option<string> Format, Option<string> Server, Option<string> ApiKey, Option<bool> Strict,
        Option<bool> Verbose, Option<string> HostRoot);

    public static RootCommand Root()
    {
        var common = new Common(
            Choice("--format", "text|json", "Output format (default text)", "text", "json"),
            Text("--server", "URL", "CompatService base URL (env COMPAT_SERVER)"),
            Text("--api-key", "KEY", "API key sent as X-Api-Key (env COMPAT_API_KEY)"),
            new Option<bool>("--strict") { Description = "An unknown prediction counts as a failure for the exit code" },
            new Option<bool>("--verbose", "-v") { Description = "List every message of a reason (text output shows each reason code once per program)" },
            Text("--host-root", "DIR", "Read the host (/sys, /proc, /boot, /etc) below this directory (default /)"));
        var root = new RootCommand(Description);
        foreach (var o in new Option[] { common.Format, common.Server, common.ApiKey, common.Strict, common.Verbose, common.HostRoot })
        {
            o.Recursive = true;
            root.Options.Add(o);
        }
        root.Subcommands.Add(Command("check", "The engine's verdict for this host's kernel (offline, no bpf(2) needed)", true));
        var load = Command("load", "Check (or ask --server), refuse predicted failures unless --force, load through bpf(2), report", true);
        load.Options.Add(new Option<bool>("--force") { Description = "Load programs even when they are predicted to fail" });
        load.Options.Add(Text("--pin", "DIR", "Pin loaded programs (and by-name maps) under this bpffs directory"));
        load.Options.Add(new Option<bool>("--size-maps") { Description = "Size maps left at max_entries 0 (what skeleton-based tools do at run time)" });
        load.Options.Add(new Option<string[]>("--program") { Description = "Load only this program (repeatable; '?' sections too)", HelpName = "NAME" });
        root.Subcommands.Add(load);
        root.Subcommands.Add(Command("report", "Upload this host's kernel BTF (and module BTFs) to --server", false));
        var bench = Command("bench", "Time the agent's check of the objects against the cached host kernel", true);
        bench.Options.Add(Positive(Text("--iterations", "N", "Checks to time (default 1000)")));
        root.Subcommands.Add(bench);
        var lab = Command("lab", "Boot the kernel under QEMU with this agent inside, load every program there alone, compare with the engine", true);
        foreach (var v in LabArgs.Values)
        {
            var o = v.Allowed is { } allowed ? Choice(v.Name, v.HelpName, v.Description, allowed) : Text(v.Name, v.HelpName, v.Description);
            lab.Options.Add(v.Default is null ? o : Positive(o));
        }
        foreach (var (name, description) in LabArgs.Flags)
            lab.Options.Add(new Option<bool>(name) { Description = description });
        root.Subcommands.Add(lab);
        return root;
    }

    /// <summary>
    /// Parses argv into <see cref="AgentArgs"/>. Args and Error both null: a built-in action (help, `--version`, the
    /// `[suggest]` completion directive) that the caller invokes on <c>Parse</c>.
    /// </summary>
    public static (AgentArgs? Args, string? Error, ParseResult Parse) Parse(IReadOnlyList<string> argv)
    {
        var root = Root();
        var parse = root.Parse(argv.ToArray());
        if (parse.Action is { } builtin && builtin is not System.CommandLine.Invocation.ParseErrorAction) return (null, null, parse);
        if (parse.Errors.Count > 0) return (null, string.Join("\n", parse.Errors.Select(e => Explain(e.Message, root)).Distinct()), parse);
        var command = parse.CommandResult.Command;
        if (command == root) return (null, "a command is needed: check, load, report, bench or lab", parse);
        var args = new AgentArgs
        {
            Command = command.Name,
            Server = Value(parse, root, "--server") ?? Env("COMPAT_SERVER"),
            ApiKey = Value(parse, root, "--api-key") ?? Env("COMPAT_API_KEY"),
            Format = Value(parse, root, "--format") ?? "text",
            Strict = Flag(parse, root, "--strict"),
            Verbose = Flag(parse, root, "--verbose"),
            HostRoot = Value(parse, root, "--host-root") ?? "/",
            Force = Flag(parse, command, "--force"),
            PinDirectory = Value(parse, command, "--pin"),
            SizeUnsizedMaps = Flag(parse, command, "--size-maps"),
            Iterations = Value(parse, command, "--iterations") is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 1000,
        };
        foreach (var a in command.Arguments) args.Objects.AddRange(parse.GetResult(a)?.Tokens.Select(t => t.Value) ?? []);
        args.Programs.AddRange(Values(parse, command, "--program"));
        if (command.Name == "lab")
            foreach (var o in command.Options)
                if (parse.GetResult(o) is { Implicit: false } r)
                    args.LabOptions.AddRange(r.Tokens.Count == 0 ? [o.Name] : [o.Name, r.Tokens[^1].Value]);
        if (args.Objects.FirstOrDefault(o => o.StartsWith("--", StringComparison.Ordinal) && o.Length > 2) is { } typo)
            return (null, Explain($"Unrecognized command or argument '{typo}'", root), parse);
        return args.Validate() is { } error ? (null, error, parse) : (args, null, parse);
    }

    /// <summary>The help text of the whole command line (what `compat-agent --help` prints).</summary>
    public static string Help(string? command = null)
    {
        var o = new StringWriter();
        Root().Parse(command is null ? ["--help"] : [command, "--help"]).Invoke(new InvocationConfiguration { Output = o });
        return o.ToString();
    }

    private static Command Command(string name, string description, bool objects)
    {
        var c = new Command(name, description);
        if (objects)
            c.Arguments.Add(new Argument<string[]>("OBJECT") { Arity = ArgumentArity.OneOrMore, Description = "BPF objects (ELF, either byte order)" });
        return c;
    }

    private static Option<string> Text(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    private static Option<string> Choice(string name, string helpName, string description, params string[] allowed)
    {
        var o = Text(name, helpName, description);
        o.AcceptOnlyFromAmong(allowed);
        return o;
    }

    private static Option<string> Positive(Option<string> o)
    {
        o.Validators.Add(r =>
        {
            var s = r.Tokens.Count > 0 ? r.Tokens[^1].Value : "";
            if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n <= 0)
                r.AddError($"{o.Name} needs a positive number, not '{s}'");
        });
        return o;
    }

    private static Option? Find(Command command, string name) =>
        command.Options.FirstOrDefault(o => o.Name == name || o.Aliases.Contains(name));

    private static string? Value(ParseResult parse, Command command, string name) =>
        Find(command, name) is { } o && parse.GetResult(o) is { Implicit: false, Tokens.Count: > 0 } r ? r.Tokens[^1].Value : null;

    private static IEnumerable<string> Values(ParseResult parse, Command command, string name) =>
        Find(command, name) is { } o && parse.GetResult(o) is { } r ? r.Tokens.Select(t => t.Value) : [];

    private static bool Flag(ParseResult parse, Command command, string name) =>
        Find(command, name) is Option<bool> o && parse.GetValue(o);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } s ? s : null;

    private static string Explain(string message, RootCommand root) =>
        UsageWords.Explain(message, token => root.Subcommands.Where(c => Find(c, token) is not null).Select(c => c.Name));
}
