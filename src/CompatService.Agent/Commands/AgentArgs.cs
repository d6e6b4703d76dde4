namespace CompatService.Agent.Commands;

/// <summary>The parsed command line, as the commands read it (parsed by <see cref="AgentCommandLine"/>).</summary>
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

    /// <summary>Parses argv (declared in <see cref="AgentCommandLine"/>); null and an error message on bad usage.</summary>
    public static (AgentArgs? Args, string? Error) Parse(IReadOnlyList<string> argv)
    {
        var (args, error, _) = AgentCommandLine.Parse(argv);
        return (args, error);
    }

    /// <summary>The checks that span options; null when the command line is usable.</summary>
    public string? Validate()
    {
        if (Programs.Count > 0 && Command != "load") return "--program is an option of load";
        if (Command == "report" && Server is null) return "report needs --server URL (or COMPAT_SERVER)";
        if (Server is not null && !Uri.TryCreate(Server, UriKind.Absolute, out _)) return $"--server '{Server}' is not an absolute URL";
        return null;
    }
}
