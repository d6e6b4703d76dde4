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
            BtfArray a => SizeOf(spec, a.ElementType, depth + 1) is { } s ? s * a.Count : null,
            BtfAlias al => SizeOf(spec, al.Target, depth + 1),
            BtfVar v => SizeOf(spec, v.Type, depth + 1),
            BtfDatasec d => d.Size,
            _ => null,
        };
    }

    /// <summary>Alignment as libbpf computes it for kconfig externs (btf__align_of), bounded to 8.</summary>
    public static ulong AlignOf(BtfSpec spec, BtfTypeId id, int depth = 0)
    {
        if (depth > 32 || id.IsVoid) return 1;
        return spec.GetType(id) switch
        {
            BtfInt i => Math.Min(8u, Math.Max(1u, i.Size)),
            BtfEnum e => Math.Min(8u, Math.Max(1u, e.Size)),
            BtfFloat f => Math.Min(8u, Math.Max(1u, f.Size)),
            BtfPtr => 8,
            BtfArray a => AlignOf(spec, a.ElementType, depth + 1),
            BtfAlias al => AlignOf(spec, al.Target, depth + 1),
            BtfComposite c => c.Members.Count == 0 ? 1 : c.Members.Max(m => AlignOf(spec, m.Type, depth + 1)),
            _ => 1,
        };
    }
}
