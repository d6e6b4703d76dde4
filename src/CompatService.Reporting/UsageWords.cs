using System.Text.RegularExpressions;

namespace CompatService.Reporting;

/// <summary>
/// System.CommandLine's parse errors in the words CI scripts grep for ("unknown option", "unknown command", "X is an
/// option of Y"), for both command lines (`compat` and `compat-agent`).
/// </summary>
public static partial class UsageWords
{
    /// <param name="message">The parser's error message.</param>
    /// <param name="commandsWithOption">The names of the sub-commands that do take a given option.</param>
    public static string Explain(string message, Func<string, IEnumerable<string>> commandsWithOption)
    {
        var m = Unrecognized().Match(message);
        if (!m.Success) return message;
        var token = m.Groups[1].Value;
        if (!token.StartsWith('-')) return $"unknown command or extra argument '{token}'";
        var owners = commandsWithOption(token).ToList();
        return owners.Count > 0 ? $"{token} is an option of {string.Join(" and ", owners)}" : $"unknown option {token}";
    }

    [GeneratedRegex("^Unrecognized command or argument '(.*)'\\.?$")]
    private static partial Regex Unrecognized();
}
