using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CompatService.Lab;

/// <summary>What happened to one program in the guest (Unsupported: the agent's own loader cannot load it — struct_ops,
/// freplace — so the kernel was never asked).</summary>
public enum LabStatus { Loaded, Failed, Timeout, Crashed, NotRun, Unsupported }

/// <summary>One program's real outcome in the guest (from the agent's JSON between the frame markers).</summary>
public sealed record LabProgramResult(
    int Index, string Object, string Program, LabStatus Status, bool? Loaded, int? Errno, string? VerifierTail,
    string? GuestPredicted, int? ExitCode, string? Stderr)
{
    /// <summary>The object path the guest's agent answered for (its JSON's `object`), when it answered.</summary>
    public string? GuestObject { get; init; }
}

/// <summary>One module the guest tried to insert: its name, insmod's exit code and (on failure) what insmod said.</summary>
public sealed record LabInsmod(string Name, int ExitCode, string? Message)
{
    public bool Inserted => ExitCode == 0;

    /// <summary>"name rc [message]" → the record; null when it is not that shape.</summary>
    public static LabInsmod? Parse(string rest)
    {
        var f = rest.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (f.Length < 2 || !int.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var rc)) return null;
        return new LabInsmod(f[0], rc, f.Length > 2 && f[2].Trim().Length > 0 ? f[2].Trim() : null);
    }
}

/// <summary>
/// The guest's results port (ttyS1): "@@LAB-READY sha release", then per plan entry "@@LAB-BEGIN n", the agent's JSON,
/// "@@LAB-STDERR n", its stderr, "@@LAB-END n rc"; "@@LAB-DONE" at the end or "@@LAB-REFUSED why"; before the first program
/// "@@LAB-INSMOD name rc message" per module inserted (a package's kfunc-set modules, see <see cref="LabModules"/>).
/// </summary>
public static class LabSerial
{
    public const string Ready = "@@LAB-READY", Refused = "@@LAB-REFUSED", Begin = "@@LAB-BEGIN", Stderr = "@@LAB-STDERR",
        End = "@@LAB-END", Done = "@@LAB-DONE", Insmod = "@@LAB-INSMOD";

    public sealed record Parsed(string? GuestBtfSha256, string? GuestRelease, string? RefusedReason, bool Done,
        IReadOnlyDictionary<int, LabProgramResult> Programs, int LastBegun)
    {
        /// <summary>"@@LAB-INSMOD name rc message" lines, in the order the guest inserted the modules.</summary>
        public IReadOnlyList<LabInsmod> Modules { get; init; } = [];
    }

    public static Parsed Parse(string text, IReadOnlyList<LabPlanEntry> plan)
    {
        string? sha = null, release = null, refused = null;
        var done = false;
        var byIndex = plan.ToDictionary(p => p.Index);
        var results = new Dictionary<int, LabProgramResult>();
        int current = -1, lastBegun = -1;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var inStderr = false;
        var modules = new List<LabInsmod>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (current < 0 && line.StartsWith(Insmod + " ", StringComparison.Ordinal) && LabInsmod.Parse(line[(Insmod.Length + 1)..]) is { } m)
                modules.Add(m);
            else if (line.StartsWith(Ready + " ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                sha = parts.ElementAtOrDefault(1);
                release = parts.ElementAtOrDefault(2);
            }
            else if (line.StartsWith(Refused, StringComparison.Ordinal)) refused = line[Refused.Length..].Trim();
            else if (line == Done) done = true;
            else if (line.StartsWith(Begin + " ", StringComparison.Ordinal) && Int(line, 1) is { } b)
            {
                current = lastBegun = b; stdout.Clear(); stderr.Clear(); inStderr = false;
            }
            else if (line.StartsWith(Stderr + " ", StringComparison.Ordinal)) inStderr = true;
            else if (line.StartsWith(End + " ", StringComparison.Ordinal) && Int(line, 1) is { } e && e == current && byIndex.TryGetValue(e, out var entry))
            {
                results[e] = Result(entry, stdout.ToString(), stderr.ToString().Trim(), Int(line, 2));
                current = -1;
            }
            else if (current >= 0) (inStderr ? stderr : stdout).Append(line).Append('\n');
        }
        return new Parsed(sha, release, refused, done, results, lastBegun) { Modules = modules };
    }

    private static int? Int(string line, int field) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(field) is { } s &&
        int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : null;

    /// <summary>Reads the agent's JSON for the one program; no JSON means a crash (or a kill: exit 137 is the timeout).</summary>
    internal static LabProgramResult Result(LabPlanEntry e, string json, string stderr, int? rc)
    {
        var err = stderr.Length == 0 ? null : stderr;
        string? answeredFor = null;
        try
        {
            using var doc = JsonDocument.Parse(json);
            foreach (var p in doc.RootElement.GetProperty("programs").EnumerateArray())
            {
                answeredFor ??= p.TryGetProperty("object", out var o) && o.ValueKind == JsonValueKind.String ? o.GetString() : null;
                if (p.GetProperty("name").GetString() != e.Program) continue;
                bool? loaded = p.TryGetProperty("loaded", out var l) && l.ValueKind is JsonValueKind.True or JsonValueKind.False ? l.GetBoolean() : null;
                int? errno = p.TryGetProperty("errno", out var en) && en.ValueKind == JsonValueKind.Number ? en.GetInt32() : null;
                var tail = p.TryGetProperty("verifierTail", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                var predicted = p.TryGetProperty("predicted", out var pr) && pr.ValueKind == JsonValueKind.String ? pr.GetString() : null;
                var status = loaded switch { true => LabStatus.Loaded, false => LabStatus.Failed, null => LabStatus.NotRun };
                // the agent's own loader refused (struct_ops, freplace): the kernel was never asked, nothing was observed
                if (loaded == false && CompatService.Engine.Preparation.LoaderLimits.IsLoaderLimit(tail)) (status, loaded) = (LabStatus.Unsupported, null);
                var obj = p.TryGetProperty("object", out var ob) && ob.ValueKind == JsonValueKind.String ? ob.GetString() : null;
                return new LabProgramResult(e.Index, e.ObjectFile, e.Program, status, loaded, errno, tail, predicted, rc, err) { GuestObject = obj };
            }
        }
        catch (Exception x) when (x is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            // no (complete) JSON: fall through
        }
        var killed = rc is 137 or 124 or 143;
        return new LabProgramResult(e.Index, e.ObjectFile, e.Program, killed ? LabStatus.Timeout : LabStatus.Crashed, null, null,
            killed ? "killed by the per-program timeout" : err ?? $"the agent exited {rc} without an answer", null, rc, err)
            { GuestObject = answeredFor };
    }
}
