using System.Text.RegularExpressions;

namespace CompatService.KernelFacts.Generator;

/// <summary>
/// Decides, for one helper, on which paths a <c>*_func_proto</c> function returns a proto (the helper is allowed) and
/// under which conditions, by walking the parsed body like the call would run with <c>func_id</c> fixed: the matching
/// case label (or <c>default</c>), <c>if</c> conditions, ternaries, preprocessor conditions, <c>break</c> out of a
/// switch, and delegation to another <c>*_func_proto(func_id, ...)</c>. Returns the alternatives (each a list of
/// conditions that must all hold); none = never allowed; one empty = unconditional.
/// </summary>
public sealed partial class FuncProtoEvaluator(IReadOnlyDictionary<string, FuncProtoFunction> functions)
{
    private enum Kind { Allow, Deny, Break, FallOff }

    private readonly record struct Path(ImmutableConds Conds, Kind Kind);

    private sealed record ImmutableConds(IReadOnlyList<string> Items)
    {
        public static readonly ImmutableConds Empty = new([]);
        public ImmutableConds With(string c) => c is "1" or "true" ? this : new ImmutableConds([.. Items, c]);
        public ImmutableConds With(IEnumerable<string> cs) => cs.Aggregate(this, (a, c) => a.With(c));
    }

    [GeneratedRegex(@"^(\w+)\s*\(\s*func_id\b")]
    private static partial Regex DelegateCall();

    private readonly Dictionary<(string, string), List<List<string>>> _memo = new();

    /// <summary>The alternatives under which <paramref name="function"/> allows <paramref name="helper"/>.</summary>
    public List<List<string>> Allowed(string function, string helper) => Allowed(function, helper, 0);

    private List<List<string>> Allowed(string function, string helper, int depth)
    {
        if (_memo.TryGetValue((function, helper), out var cached)) return cached;
        var result = new List<List<string>>();
        if (depth > 12) { result.Add([$"unresolved: {function} (delegation too deep)"]); return result; }
        if (!functions.TryGetValue(function, out var fn)) { result.Add([$"unresolved: {function}"]); return result; }
        var ctx = new Ctx(helper, fn.Locals, depth);
        foreach (var p in Exec(fn.Body, 0, ImmutableConds.Empty, ctx))
            if (p.Kind == Kind.Allow) result.Add(Simplify(p.Conds.Items));
        result = Dedupe(result.Where(a => !Contradictory(a)).ToList());
        _memo[(function, helper)] = result;
        return result;
    }

    private sealed record Ctx(string Helper, IReadOnlySet<string> Locals, int Depth);

    private List<Path> Exec(IReadOnlyList<Stmt> stmts, int start, ImmutableConds conds, Ctx ctx)
    {
        for (var i = start; i < stmts.Count; i++)
        {
            var s = stmts[i];
            if (s is LabelStmt) continue;
            if (s.Conditions.Count > 0 && s is not SwitchStmt)
            {
                // Compiled in only when the conditions hold: one path through it, one past it.
                var pre = string.Join(" && ", s.Conditions);
                var inner = Exec([s with { Conditions = [] }], 0, conds.With(pre), ctx);
                var result = new List<Path>();
                foreach (var p in inner) result.AddRange(p.Kind == Kind.FallOff ? Exec(stmts, i + 1, p.Conds, ctx) : [p]);
                result.AddRange(Exec(stmts, i + 1, conds.With(CSource.Negate(pre)), ctx));
                return result;
            }
            switch (s)
            {
                case ReturnStmt r: return Expr(r.Expr, conds, ctx);
                case BreakStmt: return [new Path(conds, Kind.Break)];
                case AssignStmt a when DelegateCall().Match(a.Expr) is { Success: true } call && IsDelegate(call.Groups[1].Value):
                    // fn = other_func_proto(func_id, prog); if (fn) return fn; — what the callee allows is allowed here.
                    var allowed = Delegate(call.Groups[1].Value, conds, ctx);
                    var rest = Exec(stmts, i + 1, conds, ctx);
                    return [.. allowed, .. rest];
                case IfStmt f:
                {
                    var result = new List<Path>();
                    var raw = CSource.Normalize(StripParens(f.Condition));
                    List<Path> branches;
                    // "if (fn) return fn;": what fn could hold was counted where it was assigned; go on as if it were NULL.
                    if (ctx.Locals.Contains(raw)) branches = Exec(f.Else, 0, conds, ctx);
                    else
                    {
                        var c = CleanCondition(f.Condition, ctx);
                        branches = Exec(f.Then, 0, conds.With(c), ctx);
                        if (c != "1") branches.AddRange(Exec(f.Else, 0, conds.With(CSource.Negate(c)), ctx));
                    }
                    foreach (var p in branches)
                        result.AddRange(p.Kind == Kind.FallOff ? Exec(stmts, i + 1, p.Conds, ctx) : [p]);
                    return result;
                }
                case SwitchStmt sw:
                {
                    var result = new List<Path>();
                    foreach (var p in Switch(sw, conds, ctx))
                        result.AddRange(p.Kind is Kind.Break or Kind.FallOff ? Exec(stmts, i + 1, p.Conds with { }, ctx) : [p]);
                    return result;
                }
            }
        }
        return [new Path(conds, Kind.FallOff)];
    }

    private List<Path> Switch(SwitchStmt sw, ImmutableConds conds, Ctx ctx)
    {
        if (!sw.Subject.Contains("func_id", StringComparison.Ordinal))
        {
            // A switch on something else (attach type, ...): every label is a path, under "subject == label".
            // A switch on something else (attach type, ...): each run of labels is a path, under "subject in (values)".
            var subject = ConditionNames.Normalize(sw.Subject) == "prog->expected_attach_type" || sw.Subject.Contains("expected_attach_type", StringComparison.Ordinal) ? "attach_type" : CSource.Normalize(sw.Subject);
            var all = sw.Body.OfType<LabelStmt>().SelectMany(l => l.Values).ToArray();
            var paths = new List<Path>();
            var run = new List<string>();
            var isDefault = false;
            for (var i = 0; i < sw.Body.Count; i++)
            {
                if (sw.Body[i] is not LabelStmt l) continue;
                run.AddRange(l.Values);
                isDefault |= l.IsDefault;
                if (i + 1 < sw.Body.Count && sw.Body[i + 1] is LabelStmt) continue;
                var cond = isDefault ? $"{subject} not in ({string.Join('|', all)})" : $"{subject} in ({string.Join('|', run)})";
                paths.AddRange(Exec(sw.Body, i + 1, conds.With(cond), ctx));
                run.Clear();
                isDefault = false;
            }
            return paths;
        }
        var index = -1;
        for (var i = 0; i < sw.Body.Count && index < 0; i++)
            if (sw.Body[i] is LabelStmt l && l.Helpers.Contains(ctx.Helper)) index = i;
        var def = -1;
        for (var i = 0; i < sw.Body.Count && def < 0; i++)
            if (sw.Body[i] is LabelStmt { IsDefault: true }) def = i;
        List<Path> Default(ImmutableConds c) => def >= 0 ? Exec(sw.Body, def + 1, c, ctx) : [new Path(c, Kind.Break)];
        if (index < 0) return Default(conds);
        var label = sw.Body[index];
        if (label.Conditions.Count == 0) return Exec(sw.Body, index + 1, conds, ctx);
        var pre = string.Join(" && ", label.Conditions);
        return [.. Exec(sw.Body, index + 1, conds.With(pre), ctx), .. Default(conds.With(CSource.Negate(pre)))];
    }

    private List<Path> Expr(string expr, ImmutableConds conds, Ctx ctx)
    {
        expr = StripParens(expr.Trim());
        if (expr is "NULL" or "0") return [new Path(conds, Kind.Deny)];
        if (SplitTernary(expr) is { } t)
        {
            var c = CleanCondition(t.Cond, ctx);
            return [.. Expr(t.Then, conds.With(c), ctx), .. Expr(t.Else, conds.With(CSource.Negate(c)), ctx)];
        }
        if (DelegateCall().Match(expr) is { Success: true } call && IsDelegate(call.Groups[1].Value)) return Delegate(call.Groups[1].Value, conds, ctx);
        if (ctx.Locals.Contains(expr)) return [new Path(conds, Kind.Deny)]; // its delegations were counted where assigned
        return [new Path(conds, Kind.Allow)];
    }

    /// <summary>Another program type's func_proto (not a proto getter like bpf_get_skb_set_tunnel_proto(func_id)).</summary>
    private bool IsDelegate(string name) => name.EndsWith("func_proto", StringComparison.Ordinal) || (functions.ContainsKey(name) && !name.EndsWith("_proto", StringComparison.Ordinal));

    private List<Path> Delegate(string function, ImmutableConds conds, Ctx ctx) =>
        Allowed(function, ctx.Helper, ctx.Depth + 1).Select(alt => new Path(conds.With(alt), Kind.Allow)).ToList();

    /// <summary>"!fn &amp;&amp; X" (the callee returned nothing) is just X: alternatives are OR'ed already.</summary>
    private static string CleanCondition(string cond, Ctx ctx)
    {
        var parts = SplitTopLevel(CSource.Normalize(cond), "&&").Where(p => !(p.StartsWith('!') && ctx.Locals.Contains(p[1..].Trim()))).ToList();
        if (parts.Count == 1 && ctx.Locals.Contains(parts[0])) return "1";
        return parts.Count == 0 ? "1" : string.Join(" && ", parts);
    }

    private static List<string> Simplify(IReadOnlyList<string> conds)
    {
        var list = new List<string>();
        foreach (var c in conds)
            foreach (var part in SplitTopLevel(StripParens(c), "&&"))
            {
                var n = ConditionNames.Normalize(part);
                if (n.Length > 0 && n != "1" && !list.Contains(n)) list.Add(n);
            }
        list.Sort(StringComparer.Ordinal);
        return list;
    }

    private static bool Contradictory(List<string> alt) =>
        alt.Any(a => alt.Contains(ConditionNames.Normalize(CSource.Negate(a)))) || alt.Contains("0") || alt.Contains("!1") || alt.Contains("!(1)");

    private static List<List<string>> Dedupe(List<List<string>> alts)
    {
        alts = MergeComplements(alts);
        if (alts.Any(a => a.Count == 0)) return [[]];
        var unique = new List<List<string>>();
        foreach (var a in alts.OrderBy(a => a.Count))
            if (!unique.Any(u => u.All(a.Contains))) unique.Add(a); // a is implied by a weaker alternative already kept
        return unique;
    }

    /// <summary>A ∧ c ∨ A ∧ ¬c = A, repeated until nothing merges.</summary>
    private static List<List<string>> MergeComplements(List<List<string>> alts)
    {
        var merged = true;
        while (merged)
        {
            merged = false;
            for (var i = 0; i < alts.Count && !merged; i++)
                for (var j = i + 1; j < alts.Count && !merged; j++)
                {
                    if (alts[i].Count != alts[j].Count) continue;
                    var onlyI = alts[i].Except(alts[j]).ToList();
                    var onlyJ = alts[j].Except(alts[i]).ToList();
                    if (onlyI.Count != 1 || onlyJ.Count != 1 || ConditionNames.Normalize(CSource.Negate(onlyI[0])) != onlyJ[0]) continue;
                    var common = alts[i].Intersect(alts[j]).ToList();
                    alts = alts.Where((_, k) => k != i && k != j).Append(common).ToList();
                    merged = true;
                }
        }
        return alts;
    }

    public static string StripParens(string s)
    {
        s = s.Trim();
        while (s.StartsWith('(') && s.EndsWith(')') && CSource.IsAtom(s)) s = s[1..^1].Trim();
        return s;
    }

    public static List<string> SplitTopLevel(string s, string op)
    {
        var parts = new List<string>();
        int depth = 0, last = 0;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (depth == 0 && string.CompareOrdinal(s, i, op, 0, op.Length) == 0)
            {
                parts.Add(s[last..i].Trim());
                i += op.Length - 1;
                last = i + 1;
            }
        }
        parts.Add(s[last..].Trim());
        return parts.Where(p => p.Length > 0).ToList();
    }

    private static (string Cond, string Then, string Else)? SplitTernary(string s)
    {
        int depth = 0, q = -1;
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '(') depth++;
            else if (s[i] == ')') depth--;
            else if (depth == 0 && s[i] == '?' && q < 0) q = i;
            else if (depth == 0 && s[i] == ':' && q >= 0) return (s[..q].Trim(), s[(q + 1)..i].Trim(), s[(i + 1)..].Trim());
        }
        return null;
    }
}
