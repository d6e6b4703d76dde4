using CompatService.Engine.Btf;

namespace CompatService.Api.Ingest;

/// <summary>
/// The normalised C prototype of a BTF FUNC, types only ("int bpf_foo(struct xdp_md *, u32)"): parameter names and
/// type tags are dropped so a diff shows real signature changes, not renames.
/// </summary>
public static class BtfPrototype
{
    public static string OfFunc(BtfSpec spec, BtfTypeId funcId)
    {
        if (spec.GetType(funcId) is not BtfFunc f) return TypeName(spec, funcId, 0);
        if (spec.GetType(f.Proto) is not BtfFuncProto p) return f.Name + "(?)";
        return $"{TypeName(spec, p.ReturnType, 0)} {f.Name}({Params(spec, p)})";
    }

    public static string OfVar(BtfSpec spec, BtfTypeId varId) =>
        spec.GetType(varId) is BtfVar v ? $"{TypeName(spec, v.Type, 0)} {v.Name}" : TypeName(spec, varId, 0);

    private static string Params(BtfSpec spec, BtfFuncProto p)
    {
        var parts = p.Parameters.Select(x => TypeName(spec, x.Type, 1)).ToList();
        if (p.IsVariadic) parts.Add("...");
        return parts.Count == 0 ? "void" : string.Join(", ", parts);
    }

    public static string TypeName(BtfSpec spec, BtfTypeId id, int depth)
    {
        if (id.IsVoid) return "void";
        if (depth > 16) return "...";
        var t = spec.GetType(id);
        return t switch
        {
            BtfInt or BtfFloat => t.Name,
            BtfPtr ptr when spec.GetType(ptr.Target) is BtfFuncProto fp =>
                $"{TypeName(spec, fp.ReturnType, depth + 1)} (*)({Params(spec, fp)})",
            BtfPtr ptr => TypeName(spec, ptr.Target, depth + 1) + " *",
            BtfComposite c => (c.IsUnion ? "union " : "struct ") + (c.Name.Length == 0 ? "{...}" : c.Name),
            BtfEnum e => "enum " + (e.Name.Length == 0 ? "{...}" : e.Name),
            BtfFwd fwd => (fwd.IsUnion ? "union " : "struct ") + fwd.Name,
            BtfArray a => $"{TypeName(spec, a.ElementType, depth + 1)}[{a.Count}]",
            BtfAlias { Kind: BtfKind.Typedef } al => al.Name,
            BtfAlias { Kind: BtfKind.Const } al => "const " + TypeName(spec, al.Target, depth + 1),
            BtfAlias { Kind: BtfKind.Volatile } al => "volatile " + TypeName(spec, al.Target, depth + 1),
            BtfAlias al => TypeName(spec, al.Target, depth + 1), // restrict, type_tag: not part of the normalised form
            BtfFuncProto fp => $"{TypeName(spec, fp.ReturnType, depth + 1)} ({Params(spec, fp)})",
            _ => t.Name.Length > 0 ? t.Name : t.Kind.ToString().ToLowerInvariant(),
        };
    }
}
