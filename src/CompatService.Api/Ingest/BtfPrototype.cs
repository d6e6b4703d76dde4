using CompatService.Engine.Btf;

namespace CompatService.Api.Ingest;

/// <summary>
/// The normalised C prototype of a BTF FUNC, types only ("int bpf_foo(struct xdp_md *, u32)"): parameter names and
/// type tags are dropped so a diff shows real signature changes, not renames. Bounded on forged BTF: the depth grows
/// through function-pointer parameters too (a prototype taking a pointer to itself recursed without end), and one
/// prototype visits at most <see cref="MaxNodes"/> types and prints at most <see cref="MaxChars"/> characters.
/// </summary>
public static class BtfPrototype
{
    private const int MaxDepth = 16, MaxNodes = 4096, MaxChars = 4096;

    private sealed class Budget
    {
        public int Nodes = MaxNodes;
        public int Chars = MaxChars;
    }

    public static string OfFunc(BtfSpec spec, BtfTypeId funcId)
    {
        var budget = new Budget();
        if (spec.GetType(funcId) is not BtfFunc f) return TypeName(spec, funcId, 0, budget);
        if (spec.GetType(f.Proto) is not BtfFuncProto p) return f.Name + "(?)";
        return $"{TypeName(spec, p.ReturnType, 0, budget)} {f.Name}({Params(spec, p, 0, budget)})";
    }

    public static string OfVar(BtfSpec spec, BtfTypeId varId)
    {
        var budget = new Budget();
        return spec.GetType(varId) is BtfVar v ? $"{TypeName(spec, v.Type, 0, budget)} {v.Name}" : TypeName(spec, varId, 0, budget);
    }

    private static string Params(BtfSpec spec, BtfFuncProto p, int depth, Budget budget)
    {
        var parts = new List<string>();
        foreach (var x in p.Parameters)
        {
            if (budget.Chars <= 0) { parts.Add("..."); break; }
            parts.Add(TypeName(spec, x.Type, depth + 1, budget));
        }
        if (p.IsVariadic) parts.Add("...");
        return parts.Count == 0 ? "void" : string.Join(", ", parts);
    }

    public static string TypeName(BtfSpec spec, BtfTypeId id, int depth) => TypeName(spec, id, depth, new Budget());

    private static string TypeName(BtfSpec spec, BtfTypeId id, int depth, Budget budget)
    {
        if (id.IsVoid) return "void";
        if (depth > MaxDepth || --budget.Nodes < 0 || budget.Chars <= 0) return "...";
        var t = spec.GetType(id);
        var s = t switch
        {
            BtfInt or BtfFloat => t.Name,
            BtfPtr ptr when spec.GetType(ptr.Target) is BtfFuncProto fp =>
                $"{TypeName(spec, fp.ReturnType, depth + 1, budget)} (*)({Params(spec, fp, depth + 1, budget)})",
            BtfPtr ptr => TypeName(spec, ptr.Target, depth + 1, budget) + " *",
            BtfComposite c => (c.IsUnion ? "union " : "struct ") + (c.Name.Length == 0 ? "{...}" : c.Name),
            BtfEnum e => "enum " + (e.Name.Length == 0 ? "{...}" : e.Name),
            BtfFwd fwd => (fwd.IsUnion ? "union " : "struct ") + fwd.Name,
            BtfArray a => $"{TypeName(spec, a.ElementType, depth + 1, budget)}[{a.Count}]",
            BtfAlias { Kind: BtfKind.Typedef } al => al.Name,
            BtfAlias { Kind: BtfKind.Const } al => "const " + TypeName(spec, al.Target, depth + 1, budget),
            BtfAlias { Kind: BtfKind.Volatile } al => "volatile " + TypeName(spec, al.Target, depth + 1, budget),
            BtfAlias al => TypeName(spec, al.Target, depth + 1, budget), // restrict, type_tag: not part of the normalised form
            BtfFuncProto fp => $"{TypeName(spec, fp.ReturnType, depth + 1, budget)} ({Params(spec, fp, depth + 1, budget)})",
            _ => t.Name.Length > 0 ? t.Name : t.Kind.ToString().ToLowerInvariant(),
        };
        budget.Chars -= s.Length;
        return s.Length <= MaxChars ? s : s[..MaxChars] + "...";
    }
}
