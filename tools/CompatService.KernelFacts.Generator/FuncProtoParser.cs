using System.Text;
using System.Text.RegularExpressions;

namespace CompatService.KernelFacts.Generator;

/// <summary>
/// Finds every function taking <c>enum bpf_func_id func_id</c> that returns a <c>struct bpf_func_proto *</c> and parses
/// its body into <see cref="Stmt"/>s: returns, <c>if</c>/<c>else</c>, <c>switch (func_id)</c> with case labels, breaks
/// and assignments, each tagged with the preprocessor conditions it sits under.
/// </summary>
public static partial class FuncProtoParser
{
    [GeneratedRegex(@"struct\s+bpf_func_proto\s*\*\s*(\w+)\s*\(\s*enum\s+bpf_func_id\s+func_id\b[^)]*\)\s*\{")]
    private static partial Regex Definition();

    [GeneratedRegex(@"^\s*const\s+struct\s+bpf_func_proto\s*\*\s*(\w+)\s*(=[^;]*)?;")]
    private static partial Regex LocalDecl();

    /// <summary>A code token: a statement's text, a brace, a label, or a directive line.</summary>
    private readonly record struct Tok(string Text, IReadOnlyList<string> Conds);

    public static IEnumerable<FuncProtoFunction> Parse(CSource file)
    {
        foreach (Match m in Definition().Matches(file.Text))
        {
            var open = m.Index + m.Length - 1;
            var close = MatchingBrace(file.Text, open);
            if (close < 0) continue;
            var firstLine = file.LineAt(open);
            var baseDepth = file.Lines[firstLine].Conditions.Count;
            var toks = Tokenize(file, open + 1, close, baseDepth);
            var locals = new HashSet<string>(StringComparer.Ordinal);
            var pos = 0;
            var body = ParseBlock(toks, ref pos, locals);
            yield return new FuncProtoFunction(m.Groups[1].Value, file.RelativePath, body, locals);
        }
    }

    private static int MatchingBrace(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return i;
        }
        return -1;
    }

    /// <summary>Splits the body into statements ending at ';' (outside parentheses), braces and labels.</summary>
    private static List<Tok> Tokenize(CSource file, int from, int to, int baseDepth)
    {
        var toks = new List<Tok>();
        var sb = new StringBuilder();
        IReadOnlyList<string>? conds = null;
        var depth = 0;
        var line = file.LineAt(from);
        IReadOnlyList<string> CondsAt(int l) => file.Lines[l].Conditions.Skip(baseDepth).ToArray();
        void Flush(string extra = "")
        {
            var t = CSource.Normalize(sb.ToString() + extra);
            if (t.Length > 0) toks.Add(new Tok(t, conds ?? CondsAt(line)));
            sb.Clear();
            conds = null;
        }
        var atLineStart = true;
        for (var i = from; i < to; i++)
        {
            var c = file.Text[i];
            if (c == '\n') { line++; atLineStart = true; sb.Append(' '); continue; }
            if (atLineStart && c == '#') { var end = file.Text.IndexOf('\n', i); i = (end < 0 ? to : end) - 1; continue; }
            if (!char.IsWhiteSpace(c)) atLineStart = false;
            if (conds is null && !char.IsWhiteSpace(c)) conds = CondsAt(line);
            if (c == '(') depth++;
            if (c == ')') depth--;
            if (depth > 0) { sb.Append(c); continue; }
            if (c == ';') { Flush(";"); continue; }
            if (c is '{' or '}') { Flush(); conds = CondsAt(line); sb.Append(c); Flush(); continue; }
            if (c == ':' && IsLabel(sb.ToString())) { Flush(":"); continue; }
            sb.Append(c);
        }
        Flush();
        return toks;
    }

    private static bool IsLabel(string text)
    {
        var t = text.Trim();
        return t == "default" || (t.StartsWith("case ", StringComparison.Ordinal) && !t.Contains('?', StringComparison.Ordinal));
    }

    private static List<Stmt> ParseBlock(List<Tok> toks, ref int pos, HashSet<string> locals)
    {
        var list = new List<Stmt>();
        while (pos < toks.Count)
        {
            if (toks[pos].Text == "}") { pos++; break; }
            var s = ParseStatement(toks, ref pos, locals);
            if (s is not null) list.Add(s);
        }
        return list;
    }

    private static Stmt? ParseStatement(List<Tok> toks, ref int pos, HashSet<string> locals)
    {
        var tok = toks[pos++];
        var t = tok.Text;
        Stmt? s;
        if (t == "{") s = new IfStmt("1", ParseBlock(toks, ref pos, locals), []);
        else if (t.StartsWith("case ", StringComparison.Ordinal) || t == "default:")
            s = new LabelStmt(Regex.Matches(t, @"BPF_FUNC_(\w+)").Select(m => m.Groups[1].Value).ToArray(), t == "default:")
            { Values = Regex.Matches(t, @"case\s+(\w+)").Select(m => m.Groups[1].Value).ToArray() };
        else if (t.StartsWith("switch", StringComparison.Ordinal) && StartsParen(t, "switch", out var subject, out _))
        {
            if (pos < toks.Count && toks[pos].Text == "{") pos++;
            s = new SwitchStmt(subject, ParseBlock(toks, ref pos, locals));
        }
        else if (t.StartsWith("if", StringComparison.Ordinal) && StartsParen(t, "if", out var cond, out var rest))
        {
            var then = Branch(rest, tok, toks, ref pos, locals);
            IReadOnlyList<Stmt> els = [];
            if (pos < toks.Count && toks[pos].Text.StartsWith("else", StringComparison.Ordinal) && (toks[pos].Text.Length == 4 || !char.IsLetterOrDigit(toks[pos].Text[4])))
            {
                var e = toks[pos++];
                els = Branch(e.Text[4..].Trim(), e, toks, ref pos, locals);
            }
            s = new IfStmt(cond, then, els);
        }
        else if (t.StartsWith("return", StringComparison.Ordinal) && (t.Length == 6 || !char.IsLetterOrDigit(t[6]))) s = new ReturnStmt(t[6..].TrimEnd(';').Trim());
        else if (t == "break;") s = new BreakStmt();
        else if (LocalDecl().Match(t) is { Success: true } decl)
        {
            locals.Add(decl.Groups[1].Value);
            s = decl.Groups[2].Success ? new AssignStmt(decl.Groups[1].Value, decl.Groups[2].Value[1..].Trim()) : null;
        }
        else if (Regex.Match(t, @"^(\w+)\s*=\s*(.+);$") is { Success: true } assign) s = new AssignStmt(assign.Groups[1].Value, assign.Groups[2].Value.Trim());
        else s = new OtherStmt(t);
        return s is null ? null : s with { Conditions = tok.Conds };
    }

    /// <summary>The then/else branch: a braced block, or the single statement that follows (inline or next token).</summary>
    private static IReadOnlyList<Stmt> Branch(string rest, Tok owner, List<Tok> toks, ref int pos, HashSet<string> locals)
    {
        if (rest.Length > 0)
        {
            // "if (c) return x;" was one token: parse the rest as its own statement.
            var inner = new List<Tok> { new(rest, owner.Conds) };
            var p = 0;
            var s = ParseStatement(inner, ref p, locals);
            return s is null ? [] : [s];
        }
        if (pos >= toks.Count) return [];
        if (toks[pos].Text == "{") { pos++; return ParseBlock(toks, ref pos, locals); }
        var single = ParseStatement(toks, ref pos, locals);
        return single is null ? [] : [single];
    }

    /// <summary>"kw (cond) rest" → cond and rest.</summary>
    private static bool StartsParen(string t, string kw, out string inner, out string rest)
    {
        inner = rest = "";
        var i = kw.Length;
        while (i < t.Length && t[i] == ' ') i++;
        if (i >= t.Length || t[i] != '(') return false;
        var depth = 0;
        for (var j = i; j < t.Length; j++)
        {
            if (t[j] == '(') depth++;
            else if (t[j] == ')' && --depth == 0)
            {
                inner = t[(i + 1)..j].Trim();
                rest = t[(j + 1)..].Trim();
                return true;
            }
        }
        return false;
    }
}
