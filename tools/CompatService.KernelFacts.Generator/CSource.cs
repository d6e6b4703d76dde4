using System.Text;
using System.Text.RegularExpressions;

namespace CompatService.KernelFacts.Generator;

/// <summary>One logical source line (comments removed, continuations joined) and the preprocessor conditions around it.</summary>
public sealed record SourceLine(int Number, string Text, IReadOnlyList<string> Conditions)
{
    public bool IsDirective => Text.StartsWith('#');
}

/// <summary>
/// A C file read for facts, not compiled: comments stripped, backslash continuations joined, and every line tagged with
/// the <c>#if</c>/<c>#ifdef</c>/<c>#else</c> conditions it sits under (as written: "CONFIG_X", "!CONFIG_X",
/// "IS_ENABLED(CONFIG_X)").
/// </summary>
public sealed class CSource
{
    public CSource(string path, string relativePath, string text)
    {
        Path = path;
        RelativePath = relativePath;
        var stripped = StripComments(text);
        Lines = Tag(stripped);
        Text = string.Join('\n', Lines.Select(l => l.Text));
    }

    public string Path { get; }
    public string RelativePath { get; }
    public IReadOnlyList<SourceLine> Lines { get; }
    /// <summary>The logical lines joined with '\n' (line i of <see cref="Lines"/> is line i here).</summary>
    public string Text { get; }

    public static CSource Load(string root, string relativePath) =>
        new(System.IO.Path.Combine(root, relativePath), relativePath.Replace('\\', '/'), File.ReadAllText(System.IO.Path.Combine(root, relativePath)));

    /// <summary>The index of the logical line holding character <paramref name="offset"/> of <see cref="Text"/>.</summary>
    public int LineAt(int offset)
    {
        var line = 0;
        for (var i = 0; i < offset && i < Text.Length; i++) if (Text[i] == '\n') line++;
        return line;
    }

    public static string Normalize(string s) => Regex.Replace(s, @"\s+", " ").Trim();

    private static string StripComments(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '/' && i + 1 < text.Length && text[i + 1] == '*')
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                var comment = end < 0 ? text[i..] : text[i..(end + 2)];
                foreach (var ch in comment) if (ch == '\n') sb.Append('\n'); // keep line numbers
                sb.Append(' ');
                i = end < 0 ? text.Length : end + 1;
            }
            else if (c == '/' && i + 1 < text.Length && text[i + 1] == '/')
            {
                while (i < text.Length && text[i] != '\n') i++;
                i--;
            }
            else if (c is '"' or '\'')
            {
                var j = i + 1;
                while (j < text.Length && text[j] != c && text[j] != '\n') j += text[j] == '\\' ? 2 : 1;
                sb.Append(text, i, Math.Min(j + 1, text.Length) - i);
                i = j;
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static List<SourceLine> Tag(string text)
    {
        var raw = text.Split('\n');
        var lines = new List<SourceLine>(raw.Length);
        var stack = new List<(string Cond, List<string> Previous)>();
        for (var i = 0; i < raw.Length; i++)
        {
            var start = i;
            var line = raw[i].TrimEnd('\r');
            while (line.EndsWith('\\') && i + 1 < raw.Length) { line = line[..^1] + " " + raw[++i].TrimEnd('\r'); }
            var trimmed = line.Trim();
            var conds = stack.Select(s => s.Cond).ToArray();
            if (trimmed.StartsWith('#'))
            {
                var directive = Normalize(trimmed[1..]);
                Apply(stack, directive);
                lines.Add(new SourceLine(start + 1, "#" + directive, conds));
            }
            else lines.Add(new SourceLine(start + 1, line, conds));
            for (var k = start; k < i; k++) lines.Add(new SourceLine(k + 2, "", conds)); // keep one entry per physical line
        }
        return lines;
    }

    private static void Apply(List<(string Cond, List<string> Previous)> stack, string directive)
    {
        static string Word(string d, string kw) => d[kw.Length..].Trim();
        if (directive.StartsWith("ifdef ", StringComparison.Ordinal)) stack.Add((Word(directive, "ifdef"), []));
        else if (directive.StartsWith("ifndef ", StringComparison.Ordinal)) stack.Add(("!" + Word(directive, "ifndef"), []));
        else if (directive.StartsWith("if ", StringComparison.Ordinal)) stack.Add((Word(directive, "if"), []));
        else if (directive.StartsWith("elif ", StringComparison.Ordinal) && stack.Count > 0)
        {
            var top = stack[^1];
            var previous = new List<string>(top.Previous) { top.Cond };
            stack[^1] = (Conjoin(previous.Select(Negate).Append(Word(directive, "elif"))), previous);
        }
        else if (directive.StartsWith("else", StringComparison.Ordinal) && stack.Count > 0)
        {
            var top = stack[^1];
            var previous = new List<string>(top.Previous) { top.Cond };
            stack[^1] = (Conjoin(previous.Select(Negate)), previous);
        }
        else if (directive.StartsWith("endif", StringComparison.Ordinal) && stack.Count > 0) stack.RemoveAt(stack.Count - 1);
    }

    private static string Conjoin(IEnumerable<string> parts) => string.Join(" && ", parts.Select(p => p.Contains("||", StringComparison.Ordinal) ? "(" + p + ")" : p));

    /// <summary>Negates a condition as text: "!X" → "X", "X" → "!X", "a &amp;&amp; b" → "!(a &amp;&amp; b)".</summary>
    public static string Negate(string cond)
    {
        cond = Normalize(cond);
        if (cond.StartsWith('!') && IsAtom(cond[1..])) return cond[1..];
        return IsAtom(cond) ? "!" + cond : "!(" + cond + ")";
    }

    /// <summary>An identifier, a call, or a fully parenthesised expression.</summary>
    public static bool IsAtom(string s)
    {
        s = s.Trim();
        if (Regex.IsMatch(s, @"^[A-Za-z_][\w>.\-]*$")) return true;
        var open = s.IndexOf('(');
        if (open < 0 || !s.EndsWith(')')) return false;
        if (open > 0 && !Regex.IsMatch(s[..open], @"^[A-Za-z_]\w*$")) return false;
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')' && --depth == 0 && i != s.Length - 1) return false;
        }
        return true;
    }
}
