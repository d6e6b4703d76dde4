namespace CompatService.Engine.Btf;

/// <summary>Outcome of a compatibility check, with the first reason when incompatible.</summary>
public readonly record struct BtfCompatResult(bool IsCompatible, string? Reason)
{
    public static readonly BtfCompatResult Compatible = new(true, null);
    public static BtfCompatResult Incompatible(string reason) => new(false, reason);
}

/// <summary>
/// libbpf's type compatibility for kfunc prototypes and typed ksyms (<c>__bpf_core_types_are_compat</c>):
/// modifiers (const/volatile/restrict/type tags) and typedefs are skipped; kinds must match (ENUM ≈ ENUM64);
/// STRUCT/UNION/ENUM/FWD/void are compatible with the same kind (names and members not compared); INTs are
/// compatible unless one is a bitfield-style int (non-zero bit offset); PTR and ARRAY compare their targets;
/// FUNC_PROTO needs the same number of params (the variadic marker counts) and compatible params and return type.
/// A pointer to a FWD therefore does not match a STRUCT, and <c>void *</c> does not match <c>struct x *</c>.
/// Recursion is limited like libbpf: 32 steps along pointers/arrays/returns per level, 32 nested prototype levels.
/// </summary>
public static class BtfCompatibility
{
    /// <summary>libbpf's <c>depth</c>: steps through PTR / ARRAY / return types before giving up.</summary>
    public const int MaxDepth = 32;
    /// <summary>libbpf's <c>level</c> for <c>bpf_core_types_are_compat</c>: nested FUNC_PROTO parameter levels.</summary>
    public const int MaxLevel = 32;
    /// <summary>
    /// Types visited per check. libbpf has no such bound, but on malformed BTF (a prototype whose parameter points back
    /// at itself) depth × level is exponential; real prototypes visit a few dozen types.
    /// </summary>
    public const int MaxSteps = 10_000;

    private sealed class Steps
    {
        public int Left = MaxSteps;
    }

    /// <summary>
    /// Whether the local FUNC_PROTO (or FUNC, whose proto is used) is compatible with the target's.
    /// Any other kinds are compared by the same rules.
    /// </summary>
    public static bool AreCompatible(BtfSpec local, BtfTypeId localId, BtfSpec target, BtfTypeId targetId) =>
        Check(local, localId, target, targetId).IsCompatible;

    /// <summary>Like <see cref="AreCompatible"/>, with the reason of the first mismatch.</summary>
    public static BtfCompatResult Check(BtfSpec local, BtfTypeId localId, BtfSpec target, BtfTypeId targetId)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(target);
        if (local.GetType(localId) is BtfFunc lf) localId = lf.Proto;
        if (target.GetType(targetId) is BtfFunc tf) targetId = tf.Proto;
        return Core(local, localId, target, targetId, MaxLevel, new Steps());
    }

    /// <summary>
    /// libbpf's rule for a typed ksym: the local extern VAR's type and the kernel VAR's type, both with modifiers and
    /// typedefs skipped, must be compatible. VAR ids are accepted on either side (their types are used); other ids are
    /// taken as the types themselves.
    /// </summary>
    public static bool TypesCompatibleForKsym(BtfSpec local, BtfTypeId localVarId, BtfSpec target, BtfTypeId targetVarId) =>
        CheckKsym(local, localVarId, target, targetVarId).IsCompatible;

    /// <summary>Like <see cref="TypesCompatibleForKsym"/>, with the reason of the first mismatch.</summary>
    public static BtfCompatResult CheckKsym(BtfSpec local, BtfTypeId localVarId, BtfSpec target, BtfTypeId targetVarId)
    {
        ArgumentNullException.ThrowIfNull(local);
        ArgumentNullException.ThrowIfNull(target);
        var l = local.GetType(localVarId) is BtfVar lv ? lv.Type : localVarId;
        var t = target.GetType(targetVarId) is BtfVar tv ? tv.Type : targetVarId;
        if (!BtfWalk.TrySkipModsAndTypedefs(local, l, out l) || !BtfWalk.TrySkipModsAndTypedefs(target, t, out t))
            return BtfCompatResult.Incompatible("modifier/typedef chain too long");
        return Core(local, l, target, t, MaxLevel, new Steps());
    }

    private static bool KindsCompatible(BtfType a, BtfType b) =>
        a.Kind == b.Kind || (a.Kind is BtfKind.Enum or BtfKind.Enum64 && b.Kind is BtfKind.Enum or BtfKind.Enum64);

    private static string Describe(BtfType t) =>
        t is BtfVoid ? "void" : t.Name.Length == 0 ? $"{Upper(t.Kind)} [{t.Id}]" : $"{Upper(t.Kind)} '{t.Name}' [{t.Id}]";

    private static string Upper(BtfKind kind) => kind switch
    {
        BtfKind.FuncProto => "FUNC_PROTO",
        BtfKind.DeclTag => "DECL_TAG",
        BtfKind.TypeTag => "TYPE_TAG",
        _ => kind.ToString().ToUpperInvariant(),
    };

    private static BtfCompatResult Core(BtfSpec local, BtfTypeId localId, BtfSpec target, BtfTypeId targetId, int level, Steps steps)
    {
        var lt = local.GetType(localId);
        var tt = target.GetType(targetId);
        if (!KindsCompatible(lt, tt)) return BtfCompatResult.Incompatible($"local {Describe(lt)} vs target {Describe(tt)}");
        var where = "";
        var depth = MaxDepth;
        while (true)
        {
            if (--depth < 0) return BtfCompatResult.Incompatible($"{where}type chain deeper than {MaxDepth}");
            if (--steps.Left < 0) return BtfCompatResult.Incompatible($"{where}more than {MaxSteps} types compared");
            if (!BtfWalk.TrySkipModsAndTypedefs(local, localId, out localId) || !BtfWalk.TrySkipModsAndTypedefs(target, targetId, out targetId))
                return BtfCompatResult.Incompatible($"{where}modifier/typedef chain too long");
            lt = local.GetType(localId);
            tt = target.GetType(targetId);
            if (!KindsCompatible(lt, tt)) return BtfCompatResult.Incompatible($"{where}local {Describe(lt)} vs target {Describe(tt)}");
            switch (lt)
            {
                case BtfVoid or BtfComposite or BtfEnum or BtfFwd:
                    return BtfCompatResult.Compatible;
                case BtfInt li:
                {
                    var ti = (BtfInt)tt;
                    return li.BitOffset == 0 && ti.BitOffset == 0
                        ? BtfCompatResult.Compatible
                        : BtfCompatResult.Incompatible($"{where}bitfield-style INT (bit offset {li.BitOffset} vs {ti.BitOffset})");
                }
                case BtfPtr lp:
                    localId = lp.Target;
                    targetId = ((BtfPtr)tt).Target;
                    where += "pointee: ";
                    continue;
                case BtfArray la:
                    localId = la.ElementType;
                    targetId = ((BtfArray)tt).ElementType;
                    where += "element: ";
                    continue;
                case BtfFuncProto lfp:
                {
                    var tfp = (BtfFuncProto)tt;
                    var ln = lfp.Parameters.Count + (lfp.IsVariadic ? 1 : 0);
                    var tn = tfp.Parameters.Count + (tfp.IsVariadic ? 1 : 0);
                    if (ln != tn) return BtfCompatResult.Incompatible($"{where}{ln} parameters vs {tn}");
                    for (var i = 0; i < ln; i++)
                    {
                        if (level <= 0) return BtfCompatResult.Incompatible($"{where}prototypes nested deeper than {MaxLevel}");
                        var lpId = i < lfp.Parameters.Count ? lfp.Parameters[i].Type : BtfTypeId.Void;
                        var tpId = i < tfp.Parameters.Count ? tfp.Parameters[i].Type : BtfTypeId.Void;
                        if (!BtfWalk.TrySkipModsAndTypedefs(local, lpId, out lpId) || !BtfWalk.TrySkipModsAndTypedefs(target, tpId, out tpId))
                            return BtfCompatResult.Incompatible($"{where}param {i + 1}: modifier/typedef chain too long");
                        var r = Core(local, lpId, target, tpId, level - 1, steps);
                        if (!r.IsCompatible)
                        {
                            var pname = i < lfp.Parameters.Count && lfp.Parameters[i].Name.Length > 0 ? $" '{lfp.Parameters[i].Name}'" : "";
                            return BtfCompatResult.Incompatible($"{where}param {i + 1}{pname}: {r.Reason}");
                        }
                    }
                    localId = lfp.ReturnType;
                    targetId = tfp.ReturnType;
                    where += "return type: ";
                    continue;
                }
                default:
                    return BtfCompatResult.Incompatible($"{where}unexpected kind {Upper(lt.Kind)}");
            }
        }
    }
}
