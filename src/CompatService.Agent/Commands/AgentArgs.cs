namespace CompatService.Agent.Commands;

/// <summary>Parsed command line (hand-rolled: AOT-friendly, no reflection).</summary>
public sealed record AgentArgs
{
    public required string Command { get; init; }
    public List<string> Objects { get; } = [];
    public string Format { get; set; } = "text";
    public string? Server { get; set; }
    public string? ApiKey { get; set; }
    public bool Force { get; set; }
    /// <summary>An unknown prediction counts as a failure too (the engine's <c>OkPolicy</c> with strict).</summary>
    public bool Strict { get; set; }
    public string? PinDirectory { get; set; }
    public string HostRoot { get; set; } = "/";
    public int Iterations { get; set; } = 1000;
    public bool SizeUnsizedMaps { get; set; }
    /// <summary>Text output lists every message of a reason code, not the first one and a count.</summary>
    public bool Verbose { get; set; }
    /// <summary>`load --program NAME` (repeatable): only these programs, loaded even from '?' (autoload-off) sections.</summary>
    public List<string> Programs { get; } = [];
    /// <summary>Options of `lab` (see <see cref="LabArgs"/>), kept raw and parsed by the lab command.</summary>
    public List<string> LabOptions { get; } = [];

    public const string Usage = """
        usage: compat-agent <command> [options]

          check OBJECT...     the engine's verdict for this host's kernel (offline, no bpf(2) needed)
          load OBJECT...      check (or ask --server), refuse predicted failures unless --force, load, report
          report              upload this host's kernel BTF (and module BTFs) to --server
          lab --image VMLINUZ|DEB [--kernel DIR] OBJECT...   boot the kernel under QEMU, load every program there, compare
              [--agent NATIVE] [--accel auto|kvm|tcg] [--boot-timeout S] [--program-timeout S] [--output-cap BYTES]
              [--memory MB] [--work DIR] [--busybox PATH] [--qemu PATH] [--skip-bad-objects] [--quiet]
              [--replay RESULTS.LOG]   compare a kept run's results.log (its --work DIR) again, without booting

        options:
          --format text|json  output format (default text)
          --server URL        CompatService base URL (env COMPAT_SERVER)
          --api-key KEY       API key sent as X-Api-Key (env COMPAT_API_KEY)
          --force             load programs even when they are predicted to fail
          --strict            an unknown prediction counts as a failure for the exit code
          --pin DIR           pin loaded programs (and by-name maps) under this bpffs directory
          --size-maps         size maps left at max_entries 0 (what skeleton-based tools do at run time)
          --program NAME      load only this program (repeatable; '?' sections too)
          --verbose, -v       list every message of a reason (text output shows each reason code once per program)

        exit codes: 0 all good, 1 a predicted or observed failure, 2 bad input or usage, 3 server or I/O error
        """;

    /// <summary>Parses argv; returns null and an error message on bad usage.</summary>
    public static (AgentArgs? Args, string? Error) Parse(IReadOnlyList<string> argv)
    {
        if (argv.Count == 0 || argv[0] is "-h" or "--help" or "help") return (null, null);
        var cmd = argv[0];
        if (cmd is not ("check" or "load" or "report" or "bench" or "lab")) return (null, $"unknown command '{cmd}'");
        var a = new AgentArgs
        {
            Command = cmd,
            Server = Environment.GetEnvironmentVariable("COMPAT_SERVER") is { Length: > 0 } s ? s : null,
            ApiKey = Environment.GetEnvironmentVariable("COMPAT_API_KEY") is { Length: > 0 } k ? k : null,
        };
        for (var i = 1; i < argv.Count; i++)
        {
            var arg = argv[i];
            string Value()
            {
                if (i + 1 >= argv.Count) throw new ArgumentException($"option {arg} needs a value");
                return argv[++i];
            }
            try
            {
                switch (arg)
                {
                    case "--format": a.Format = Value(); break;
                    case "--server": a.Server = Value(); break;
                    case "--api-key": a.ApiKey = Value(); break;
                    case "--force": a.Force = true; break;
                    case "--strict": a.Strict = true; break;
                    case "--pin": a.PinDirectory = Value(); break;
                    case "--host-root": a.HostRoot = Value(); break;
                    case "--size-maps": a.SizeUnsizedMaps = true; break;
                    case "--verbose" or "-v": a.Verbose = true; break;
                    case "--program": a.Programs.Add(Value()); break;
                    case "--iterations":
                        if (!int.TryParse(Value(), out var n) || n <= 0) return (null, "--iterations needs a positive number");
                        a.Iterations = n;
                        break;
                    case "-h" or "--help": return (null, null);
                    case var _ when a.Command == "lab" && LabArgs.TakesValue(arg):
                        a.LabOptions.Add(arg);
                        a.LabOptions.Add(Value());
                        break;
                    case var _ when a.Command == "lab" && LabArgs.IsFlag(arg):
                        a.LabOptions.Add(arg);
                        break;
                    default:
                        if (arg.StartsWith("--", StringComparison.Ordinal)) return (null, $"unknown option '{arg}'");
                        a.Objects.Add(arg);
                        break;
                }
            }
            catch (ArgumentException e)
            {
                return (null, e.Message);
            }
        }
        if (a.Format is not ("text" or "json")) return (null, $"--format must be text or json, not '{a.Format}'");
        if (a.Programs.Count > 0 && a.Command != "load") return (null, "--program is an option of load");
        if (a.Command is "check" or "load" or "bench" or "lab" && a.Objects.Count == 0) return (null, $"{a.Command} needs at least one OBJECT");
        if (a.Command == "report" && a.Objects.Count > 0) return (null, "report takes no OBJECT");
        if (a.Command == "report" && a.Server is null) return (null, "report needs --server URL (or COMPAT_SERVER)");
        if (a.Server is not null && !Uri.TryCreate(a.Server, UriKind.Absolute, out _)) return (null, $"--server '{a.Server}' is not an absolute URL");
        return (a, null);
    }
}
