namespace CompatService.Engine.Btf;

/// <summary>Small navigation helpers over a <see cref="BtfSpec"/> used by linking and analysis.</summary>
public static class BtfWalk
{
    private const int MaxModifierChain = 64;

    /// <summary>Follows TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG to the underlying type id (libbpf skip_mods_and_typedefs).</summary>
    public static BtfTypeId SkipModsAndTypedefs(BtfSpec spec, BtfTypeId id) =>
        TrySkipModsAndTypedefs(spec, id, out var result) ? result : id;

    /// <summary>Like <see cref="SkipModsAndTypedefs"/>; false when the chain is longer than any real one (malformed BTF).</summary>
    public static bool TrySkipModsAndTypedefs(BtfSpec spec, BtfTypeId id, out BtfTypeId result)
    {
        for (var i = 0; i < MaxModifierChain; i++)
        {
            if (spec.GetType(id) is not BtfAlias alias)
            {
                result = id;
                return true;
            }
            id = alias.Target;
        }
        result = id;
        return false;
    }

    /// <summary>
    /// The name without its ___flavour suffix (libbpf bpf_core_essential_name_len, used for externs and CO-RE alike):
    /// cut at the last "___" whose preceding character is not '_' and whose following character is not '_'.
    /// </summary>
    public static string EssentialName(string name)
    {
        for (var i = name.Length - 5; i >= 0; i--)
            if (name[i] != '_' && name[i + 1] == '_' && name[i + 2] == '_' && name[i + 3] == '_' && name[i + 4] != '_')
                return name[..(i + 1)];
        return name;
    }

    /// <summary>The FUNC or VAR named <paramref name="name"/> with extern linkage (libbpf find_extern_btf_id), or null.</summary>
    public static BtfTypeId? FindExtern(BtfSpec spec, string name)
    {
        foreach (var id in spec.FindByName(name))
        {
            var t = spec.GetType(id);
            if (t is BtfVar { Linkage: BtfLinkage.Extern }) return id;
            if (t is BtfFunc { Linkage: BtfLinkage.Extern }) return id;
        }
        return null;
    }

    /// <summary>The DATASEC that lists <paramref name="id"/> among its variables, and the entry, or null.</summary>
    public static (BtfDatasec Section, BtfVarSecInfo Entry)? FindContainingDatasec(BtfSpec spec, BtfTypeId id)
    {
        for (var i = spec.FirstTypeId; i <= spec.LastTypeId; i++)
        {
            var tid = new BtfTypeId(i);
            if (spec.KindOf(tid) != BtfKind.Datasec) continue;
            var sec = (BtfDatasec)spec.GetType(tid);
            foreach (var v in sec.Vars)
                if (v.Type == id) return (sec, v);
        }
        return null;
    }

    /// <summary>Byte size of a type (INT, ENUM, STRUCT, PTR, ARRAY, ...); null when it has none (void, FUNC, FWD).</summary>
    public static ulong? SizeOf(BtfSpec spec, BtfTypeId id, int depth = 0)
    {
        if (depth > 32 || id.IsVoid) return null;
        return spec.GetType(id) switch
        {
            BtfInt i => i.Size,
            BtfEnum e => e.Size,
            BtfComposite c => c.Size,
            BtfFloat f => f.Size,
            BtfPtr => 8,
            BtfArray a => SizeOf(spec, a.ElementType, depth + 1) is { } s && (a.Count == 0 || s <= ulong.MaxValue / a.Count) ? s * a.Count : null, // overflow: no size
            BtfAlias al => SizeOf(spec, al.Target, depth + 1),
            BtfVar v => SizeOf(spec, v.Type, depth + 1),
            BtfDatasec d => d.Size,
            _ => null,
        };
    }

    /// <summary>Alignment as libbpf computes it for kconfig externs (btf__align_of), bounded to 8.</summary>
    /// <remarks>
    /// Memoised per call: a struct whose members are several copies of another (or of itself, in forged BTF) would
    /// otherwise fan out exponentially; each type is visited once, a cycle counts as alignment 1.
    /// </remarks>
    public static ulong AlignOf(BtfSpec spec, BtfTypeId id) => AlignOf(spec, id, 0, new Dictionary<uint, ulong>());

    private static ulong AlignOf(BtfSpec spec, BtfTypeId id, int depth, Dictionary<uint, ulong> memo)
    {
        if (depth > 32 || id.IsVoid) return 1;
        if (memo.TryGetValue(id.Value, out var known)) return known;
        memo[id.Value] = 1; // in progress: a cycle back here contributes 1
        ulong result = spec.GetType(id) switch
        {
            BtfInt i => Math.Min(8u, Math.Max(1u, i.Size)),
            BtfEnum e => Math.Min(8u, Math.Max(1u, e.Size)),
            BtfFloat f => Math.Min(8u, Math.Max(1u, f.Size)),
            BtfPtr => 8,
            BtfArray a => AlignOf(spec, a.ElementType, depth + 1, memo),
            BtfAlias al => AlignOf(spec, al.Target, depth + 1, memo),
            BtfComposite c => MaxMemberAlign(spec, c, depth, memo),
            _ => 1,
        };
        memo[id.Value] = result;
        return result;
    }

    private static ulong MaxMemberAlign(BtfSpec spec, BtfComposite c, int depth, Dictionary<uint, ulong> memo)
    {
        ulong max = 1;
        foreach (var m in c.Members)
        {
            max = Math.Max(max, AlignOf(spec, m.Type, depth + 1, memo));
            if (max == 8) break; // the bound: nothing can raise it further
        }
        return max;
    }
}
