using System.Globalization;
using System.Text;

namespace CompatService.Engine.Btf;

/// <summary>
/// C-like declarations of BTF types, deterministic and with canonical whitespace: used as the "normalised
/// prototype" of a kfunc when kernels are compared. Typedef names and qualifiers are kept; composite and enum
/// types print by tag and name (anonymous ones as <c>struct {...}</c>), type tags as
/// <c>__attribute__((btf_type_tag("x")))</c>, like bpftool.
/// </summary>
public static class BtfFormatter
{
    private const int MaxDepth = 64;
    /// <summary>Types visited per call: malformed BTF (a prototype taking itself) must not explode.</summary>
    private const int MaxNodes = 4096;

    /// <summary>
    /// Characters materialised per call (every step builds its declarator around the inner one, so the sum of the
    /// intermediate strings is what a call costs): keeps formatting linear and capped on forged BTF, where a 2.5 KB
    /// type section made one prototype cost 160 MB. Real prototypes materialise a few thousand.
    /// </summary>
    private const int MaxChars = 16_384;
    /// <summary>Longest name printed in full (the kernel's KSYM_NAME_LEN).</summary>
    private const int MaxName = 512;

    private sealed class Budget
    {
        public int Left = MaxNodes;
        public int Chars = MaxChars;
    }

    private static string Name(BtfType t) => t.Name.Length <= MaxName ? t.Name : t.Name[..MaxName] + "...";

    /// <summary>A FUNC as a C prototype, e.g. <c>struct task_struct *bpf_task_acquire(struct task_struct *p)</c>.</summary>
    public static string FormatFunc(BtfSpec spec, BtfTypeId funcId)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.GetType(funcId) is not BtfFunc func)
            throw new ArgumentException($"type [{funcId}] is {spec.KindOf(funcId)}, not FUNC", nameof(funcId));
        return Declarator(spec, func.Proto, Name(func), 0, new Budget());
    }

    /// <summary>
    /// A type as written in C where it is used (<c>const char *</c>, <c>u32</c>, <c>struct sk_buff</c>,
    /// <c>int (*)(void *)</c>); a FUNC as its prototype; a VAR as its declaration.
    /// </summary>
    public static string FormatType(BtfSpec spec, BtfTypeId id)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.GetType(id) switch
        {
            BtfFunc => FormatFunc(spec, id),
            BtfVar v => Declarator(spec, v.Type, Name(v), 0, new Budget()),
            BtfDatasec d => $"SEC(\"{Name(d)}\")",
            BtfDeclTag t => $"__attribute__((btf_decl_tag(\"{Name(t)}\"))) on [{t.Target}]" +
                            (t.ComponentIndex >= 0 ? $" component {t.ComponentIndex.ToString(CultureInfo.InvariantCulture)}" : ""),
            _ => Declarator(spec, id, string.Empty, 0, new Budget()),
        };
    }

    /// <summary>A declaration of <paramref name="name"/> with type <paramref name="typeId"/>, e.g. <c>char *const argv[4]</c>.</summary>
    public static string FormatDeclaration(BtfSpec spec, BtfTypeId typeId, string name)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Declarator(spec, typeId, name is null ? string.Empty : name.Length <= MaxName ? name : name[..MaxName] + "...", 0, new Budget());
    }

    private static string Join(string head, string inner) => inner.Length == 0 ? head : head + " " + inner;

    private static string Tagged(string tag, string name) => tag + " " + (name.Length == 0 ? "{...}" : name);

    private static string Declarator(BtfSpec spec, BtfTypeId id, string inner, int depth, Budget budget)
    {
        budget.Chars -= inner.Length;
        var t = spec.GetType(id);
        // Over budget, leaves (names) still print so the outer parts of a declaration stay readable; nothing recurses.
        var exhausted = depth > MaxDepth || --budget.Left < 0 || budget.Chars < 0;
        if (exhausted && t is not (BtfVoid or BtfInt or BtfFloat or BtfComposite or BtfEnum or BtfFwd or BtfAlias { Kind: BtfKind.Typedef }))
            return inner.Length <= MaxName ? Join("...", inner) : "...";
        if (exhausted && inner.Length > MaxName) inner = "...";
        switch (t)
        {
            case BtfVoid:
                return Join("void", inner);
            case BtfInt or BtfFloat:
                return Join(Name(t), inner);
            case BtfComposite c:
                return Join(Tagged(c.IsUnion ? "union" : "struct", Name(c)), inner);
            case BtfEnum e:
                return Join(Tagged("enum", Name(e)), inner);
            case BtfFwd f:
                return Join(Tagged(f.IsUnion ? "union" : "struct", Name(f)), inner);
            case BtfAlias { Kind: BtfKind.Typedef } td:
                return Join(Name(td), inner);
            case BtfAlias q:
            {
                var qualifier = q.Kind switch
                {
                    BtfKind.Const => "const",
                    BtfKind.Volatile => "volatile",
                    BtfKind.Restrict => "restrict",
                    _ => $"__attribute__((btf_type_tag(\"{Name(q)}\")))",
                };
                // A qualifier on a pointer binds to the declarator (char *const p); on anything else it is a prefix.
                return spec.KindOf(q.Target) == BtfKind.Ptr
                    ? Declarator(spec, q.Target, Join(qualifier, inner), depth + 1, budget)
                    : qualifier + " " + Declarator(spec, q.Target, inner, depth + 1, budget);
            }
            case BtfPtr p:
            {
                var pointee = spec.KindOf(p.Target);
                var next = pointee is BtfKind.Array or BtfKind.FuncProto ? "(*" + inner + ")" : "*" + inner;
                return Declarator(spec, p.Target, next, depth + 1, budget);
            }
            case BtfArray a:
                return Declarator(spec, a.ElementType, inner + "[" + a.Count.ToString(CultureInfo.InvariantCulture) + "]", depth + 1, budget);
            case BtfFuncProto fp:
            {
                var sb = new StringBuilder();
                sb.Append(inner).Append('(');
                if (fp.Parameters.Count == 0 && !fp.IsVariadic) sb.Append("void");
                for (var i = 0; i < fp.Parameters.Count; i++)
                {
                    if (i > 0) sb.Append(", ");
                    if (budget.Chars - sb.Length < 0) { sb.Append("..."); break; }
                    var pname = fp.Parameters[i].Name;
                    sb.Append(Declarator(spec, fp.Parameters[i].Type, pname.Length <= MaxName ? pname : pname[..MaxName] + "...", depth + 1, budget));
                }
                if (fp.IsVariadic) sb.Append(fp.Parameters.Count > 0 ? ", ..." : "...");
                sb.Append(')');
                return Declarator(spec, fp.ReturnType, sb.ToString(), depth + 1, budget);
            }
            case BtfFunc f:
                return Declarator(spec, f.Proto, inner.Length == 0 ? Name(f) : inner, depth + 1, budget);
            case BtfVar v:
                return Declarator(spec, v.Type, inner.Length == 0 ? Name(v) : inner, depth + 1, budget);
            default:
                return Join($"/* {t.Kind} '{Name(t)}' */", inner);
        }
    }
}
