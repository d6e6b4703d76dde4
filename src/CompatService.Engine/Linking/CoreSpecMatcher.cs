using CompatService.Engine.Btf;

namespace CompatService.Engine.Linking;

/// <summary>
/// Matches a local access spec against one candidate target type (libbpf bpf_core_spec_match): struct members by name
/// (searching through anonymous members), arrays by index within bounds (unless flexible), leaf types by
/// bpf_core_fields_are_compat; type relocations by bpf_core_types_are_compat (TYPE_MATCHES by the stricter shape match);
/// enumerators by essential name. Returns the target spec, or null when the candidate does not match.
/// </summary>
public static class CoreSpecMatcher
{
    public static CoreSpec? Match(CoreSpec local, BtfSpec target, BtfTypeId targetId, string? module)
    {
        var spec = new CoreSpec { Btf = target, RootId = targetId, Kind = local.Kind, Module = module };
        if (CoreReloKinds.IsType(local.Kind))
        {
            var ok = local.Kind == CoreReloKind.TypeMatches
                ? CoreTypeCompat.TypesMatch(local.Btf, local.RootId, target, targetId, 0)
                : BtfCompatibility.AreCompatible(local.Btf, local.RootId, target, targetId);
            if (!ok) return null;
            spec.Raw.Add(0);
            return spec;
        }
        if (CoreReloKinds.IsEnumval(local.Kind))
        {
            if (target.GetType(BtfWalk.SkipModsAndTypedefs(target, targetId)) is not BtfEnum e) return null;
            var want = BtfWalk.EssentialName(local.Accessors[0].Name!);
            for (var i = 0; i < e.Values.Count; i++)
                if (BtfWalk.EssentialName(e.Values[i].Name) == want)
                {
                    spec.Accessors.Add(new CoreAccessor(targetId, i, e.Values[i].Name));
                    spec.Raw.Add(i);
                    return spec;
                }
            return null;
        }

        // Field relocation: step 0 is the index on the root pointer.
        var first = local.Accessors[0];
        var rootSize = BtfWalk.SizeOf(target, targetId);
        if (rootSize is null) return null;
        spec.Accessors.Add(new CoreAccessor(targetId, first.Index, null));
        spec.Raw.Add(first.Index);
        spec.BitOffset = (long)rootSize.Value * 8 * first.Index;
        var id = targetId;
        for (var i = 1; i < local.Accessors.Count; i++)
        {
            var acc = local.Accessors[i];
            if (acc.Name is not null)
            {
                var localMember = ((BtfComposite)local.Btf.GetType(acc.TypeId)).Members[acc.Index];
                if (!MatchMember(local.Btf, localMember, target, id, spec, 0, new MemberSearch(), out var next)) return null;
                id = next;
            }
            else
            {
                var t = BtfWalk.SkipModsAndTypedefs(target, id);
                if (target.GetType(t) is not BtfArray a) return null;
                if (!CoreSpecParser.IsFlexible(spec, i, a) && acc.Index >= a.Count) return null;
                var elem = BtfWalk.SkipModsAndTypedefs(target, a.ElementType);
                if (!CoreTypeCompat.FieldsAreCompat(local.Btf, acc.TypeId, target, elem, 0)) return null;
                spec.Accessors.Add(new CoreAccessor(elem, acc.Index, null));
                spec.Raw.Add(acc.Index);
                spec.BitOffset += (long)(BtfWalk.SizeOf(target, elem) ?? 0) * 8 * acc.Index;
                id = elem;
            }
        }
        return spec;
    }

    /// <summary>
    /// What one member search has learnt: composites on the current path (a cycle through anonymous members is not
    /// entered again) and the shallowest depth at which each composite was searched in vain (searching it again at that
    /// depth or deeper cannot succeed). Without it, a struct with several anonymous members of its own type made the
    /// search exponential (a 119-byte kernel BTF hung a CO-RE check).
    /// </summary>
    private sealed class MemberSearch
    {
        public readonly HashSet<uint> OnPath = new();
        public readonly Dictionary<uint, int> FailedAt = new();
    }

    /// <summary>Finds the member named like <paramref name="localMember"/> in composite <paramref name="compositeId"/>, recursing into anonymous members.</summary>
    private static bool MatchMember(BtfSpec localBtf, BtfMember localMember, BtfSpec target, BtfTypeId compositeId, CoreSpec spec, int depth,
        MemberSearch search, out BtfTypeId next)
    {
        next = default;
        if (depth > 32) return false;
        var cid = BtfWalk.SkipModsAndTypedefs(target, compositeId);
        if (target.GetType(cid) is not BtfComposite c) return false;
        if (search.OnPath.Contains(cid.Value) || (search.FailedAt.TryGetValue(cid.Value, out var failed) && depth >= failed)) return false;
        search.OnPath.Add(cid.Value);
        var found = SearchMembers(localBtf, localMember, target, cid, c, spec, depth, search, out next);
        search.OnPath.Remove(cid.Value);
        if (!found) search.FailedAt[cid.Value] = search.FailedAt.TryGetValue(cid.Value, out var f) ? Math.Min(f, depth) : depth;
        return found;
    }

    private static bool SearchMembers(BtfSpec localBtf, BtfMember localMember, BtfSpec target, BtfTypeId cid, BtfComposite c, CoreSpec spec, int depth,
        MemberSearch search, out BtfTypeId next)
    {
        next = default;
        for (var i = 0; i < c.Members.Count; i++)
        {
            var m = c.Members[i];
            if (m.Name.Length == 0)
            {
                if (target.GetType(BtfWalk.SkipModsAndTypedefs(target, m.Type)) is not BtfComposite) continue;
                var saveAcc = spec.Accessors.Count; var saveRaw = spec.Raw.Count; var saveBit = spec.BitOffset;
                spec.Raw.Add(i);
                spec.BitOffset += m.BitOffset;
                if (MatchMember(localBtf, localMember, target, m.Type, spec, depth + 1, search, out next)) return true;
                spec.Accessors.RemoveRange(saveAcc, spec.Accessors.Count - saveAcc);
                spec.Raw.RemoveRange(saveRaw, spec.Raw.Count - saveRaw);
                spec.BitOffset = saveBit;
                continue;
            }
            if (m.Name != localMember.Name) continue;
            if (!CoreTypeCompat.FieldsAreCompat(localBtf, localMember.Type, target, m.Type, 0)) return false;
            spec.Accessors.Add(new CoreAccessor(cid, i, m.Name));
            spec.Raw.Add(i);
            spec.BitOffset += m.BitOffset;
            next = m.Type;
            return true;
        }
        return false;
    }
}
