using CompatService.Engine.Btf;

namespace CompatService.Engine.Linking;

/// <summary>
/// CO-RE's field and TYPE_MATCHES relations (libbpf relo_core.c); the third, bpf_core_types_are_compat, is the one kfunc
/// prototypes use too: <see cref="BtfCompatibility.AreCompatible"/>.
/// </summary>
public static class CoreTypeCompat
{
    private const int MaxDepth = 32;

    private static bool KindsCompat(BtfType a, BtfType b) => a.Kind == b.Kind || (a is BtfEnum && b is BtfEnum);

    private static bool EssentialNamesEqual(string a, string b) => BtfWalk.EssentialName(a) == BtfWalk.EssentialName(b);

    /// <summary>bpf_core_fields_are_compat: composites always, enums/fwds by name, ints not bit-offset, pointers always, arrays by element.</summary>
    public static bool FieldsAreCompat(BtfSpec lb, BtfTypeId lid, BtfSpec tb, BtfTypeId tid, int depth)
    {
        if (depth > MaxDepth) return false;
        var l = lb.GetType(BtfWalk.SkipModsAndTypedefs(lb, lid));
        var t = tb.GetType(BtfWalk.SkipModsAndTypedefs(tb, tid));
        if (l is BtfComposite && t is BtfComposite) return true;
        if (!KindsCompat(l, t)) return false;
        return l switch
        {
            BtfPtr or BtfFloat => true,
            // One side anonymous, or the same names without flavours.
            BtfFwd or BtfEnum => l.Name.Length == 0 || t.Name.Length == 0 || EssentialNamesEqual(l.Name, t.Name),
            BtfInt li => li.BitOffset == 0 && ((BtfInt)t).BitOffset == 0,
            BtfArray la => FieldsAreCompat(lb, la.ElementType, tb, ((BtfArray)t).ElementType, depth + 1),
            _ => false,
        };
    }

    /// <summary>
    /// bpf_core_types_match (TYPE_MATCHES): names must agree for named types; every local struct/union member must exist
    /// by name in the target with a matching type; every local enumerator must exist; ints/floats agree in size and
    /// signedness; pointers/arrays/prototypes recursively.
    /// </summary>
    public static bool TypesMatch(BtfSpec lb, BtfTypeId lid, BtfSpec tb, BtfTypeId tid, int depth) =>
        TypesMatch(lb, lid, tb, tid, depth, new Steps());

    /// <summary>
    /// Types compared per TYPE_MATCHES check. libbpf bounds only the depth, but forged BTF (an anonymous struct whose
    /// members are several copies of itself, a prototype taking itself) makes depth-bounded recursion exponential;
    /// real types compare a few hundred. Over budget the types do not match (the relocation is then poisoned, never "loads" by accident).
    /// </summary>
    public const int MaxSteps = 20_000;

    private sealed class Steps
    {
        public int Left = MaxSteps;
    }

    private static bool TypesMatch(BtfSpec lb, BtfTypeId lid, BtfSpec tb, BtfTypeId tid, int depth, Steps steps)
    {
        if (depth > MaxDepth || --steps.Left < 0) return false;
        lid = BtfWalk.SkipModsAndTypedefs(lb, lid);
        tid = BtfWalk.SkipModsAndTypedefs(tb, tid);
        if (lid.IsVoid || tid.IsVoid) return lid.IsVoid && tid.IsVoid;
        var l = lb.GetType(lid);
        var t = tb.GetType(tid);
        if (l.Name.Length > 0 && !EssentialNamesEqual(l.Name, t.Name)) return false;
        if (l is BtfFwd lf0) return t is BtfFwd tf0 ? lf0.IsUnion == tf0.IsUnion : t is BtfComposite tc0 && tc0.IsUnion == lf0.IsUnion;
        if (!KindsCompat(l, t)) return false;
        switch (l)
        {
            case BtfComposite lc:
                var tc = (BtfComposite)t;
                steps.Left -= lc.Members.Count;
                if (steps.Left < 0) return false;
                var byName = new Dictionary<string, BtfMember>(tc.Members.Count, StringComparer.Ordinal);
                foreach (var m in tc.Members) byName.TryAdd(m.Name, m); // the first of a name, like a linear search
                foreach (var lm in lc.Members)
                {
                    if (!byName.TryGetValue(lm.Name, out var tm) || (lm.Name.Length == 0 && tm.Type.IsVoid)) return false;
                    if (!MemberTypesMatch(lb, lm.Type, tb, tm.Type, depth + 1, steps)) return false;
                }
                return true;
            case BtfEnum le:
                var te = (BtfEnum)t;
                return le.Size == te.Size && le.Values.All(v => te.Values.Any(x => EssentialNamesEqual(v.Name, x.Name)));
            case BtfInt li:
                var ti = (BtfInt)t;
                return li.Size == ti.Size && li.IsSigned == ti.IsSigned;
            case BtfFloat lfl:
                return lfl.Size == ((BtfFloat)t).Size;
            case BtfPtr lp:
                return TypesMatch(lb, lp.Target, tb, ((BtfPtr)t).Target, depth + 1, steps);
            case BtfArray la:
                var ta = (BtfArray)t;
                return la.Count == ta.Count && TypesMatch(lb, la.ElementType, tb, ta.ElementType, depth + 1, steps);
            case BtfFuncProto lfp:
                var tfp = (BtfFuncProto)t;
                return lfp.Parameters.Count == tfp.Parameters.Count && TypesMatch(lb, lfp.ReturnType, tb, tfp.ReturnType, depth + 1, steps)
                    && lfp.Parameters.Zip(tfp.Parameters).All(p => TypesMatch(lb, p.First.Type, tb, p.Second.Type, depth + 1, steps));
            default:
                return false;
        }
    }

    /// <summary>Member types: named composites/enums match by name only (not recursively), the rest by <see cref="TypesMatch"/>.</summary>
    private static bool MemberTypesMatch(BtfSpec lb, BtfTypeId lid, BtfSpec tb, BtfTypeId tid, int depth, Steps steps)
    {
        var l = lb.GetType(BtfWalk.SkipModsAndTypedefs(lb, lid));
        var t = tb.GetType(BtfWalk.SkipModsAndTypedefs(tb, tid));
        if (l is BtfComposite or BtfEnum or BtfFwd && l.Name.Length > 0)
            return (KindsCompat(l, t) || t is BtfFwd || l is BtfFwd) && EssentialNamesEqual(l.Name, t.Name);
        return TypesMatch(lb, lid, tb, tid, depth, steps);
    }
}
