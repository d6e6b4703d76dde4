using CompatService.Engine.Binary;

namespace CompatService.Cli;

/// <summary>Thrown for bad usage or unreadable input: the CLI prints the message and exits 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// A command's parsed arguments: positional values plus `--name` → values (repeatable). `compat` fills it from
/// System.CommandLine (<see cref="CompatCommands"/>); the token constructor remains for callers that pass raw tokens.
/// </summary>
public sealed class CliArgs
{
    public CliArgs(IEnumerable<string> positional, IReadOnlyDictionary<string, List<string>> options)
    {
        Positional.AddRange(positional);
        foreach (var (k, v) in options) _options[k] = v;
    }

    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly HashSet<string> _missingValue = new(StringComparer.Ordinal);

    public CliArgs(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var a = list[i];
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var name = a[2..];
                string? value = null;
                var eq = name.IndexOf('=');
                if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
                else if (!flags.Contains(name))
                {
                    // An unknown option at the end must say "unknown option", not "needs a value": decided when asked.
                    if (i + 1 >= list.Count) { _missingValue.Add(name); value = ""; }
                    else value = list[++i];
                }
                if (!_options.TryGetValue(name, out var values)) _options[name] = values = new();
                values.Add(value ?? "true");
            }
            else Positional.Add(a);
        }
    }

    public List<string> Positional { get; } = new();

    public IReadOnlyList<string> All(string name)
    {
        _used.Add(name);
        if (_missingValue.Contains(name)) throw new CliUsageException($"option --{name} needs a value");
        return _options.TryGetValue(name, out var v) ? v : [];
    }
    public string? One(string name) => All(name) is { Count: > 0 } v ? v[^1] : null;
    public bool Flag(string name) => One(name) is "true";

    public string Format(params string[] allowed)
    {
        var f = One("format") ?? allowed[0];
        if (!allowed.Contains(f)) throw new CliUsageException($"--format must be one of {string.Join(", ", allowed)}, not '{f}'");
        return f;
    }

    /// <summary>
    /// `--work-budget STEPS` (any command): the engine's work budget (<see cref="AnalysisBudget"/>) for reading one object and
    /// for checking it on one kernel; past it the command stops with "too complex to analyse: ..." (exit 2). Defaults:
    /// <see cref="AnalysisBudget.DefaultUploadWork"/> and <see cref="AnalysisBudget.DefaultCellWork"/>.
    /// </summary>
    public long? WorkBudget()
    {
        if (One("work-budget") is not { } v) return null;
        return long.TryParse(v, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new CliUsageException($"--work-budget must be a positive number of steps, not '{v}'");
    }

    /// <summary>The budget for reading one object.</summary>
    public AnalysisBudget ReadBudget() => new(WorkBudget() ?? AnalysisBudget.DefaultUploadWork);

    /// <summary>The budget for checking one object on one kernel.</summary>
    public AnalysisBudget CheckBudget() => new(WorkBudget() ?? AnalysisBudget.DefaultCellWork);

    /// <summary>Fails on options the command does not know (typos must not be ignored silently).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToArray();
        if (unknown.Length > 0)
            throw new CliUsageException($"unknown option{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => "--" + u))} (see compat --help)");
    }
}
