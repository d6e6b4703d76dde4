using System.Globalization;
using CompatService.Engine.Btf;

namespace CompatService.Engine.Linking;

/// <summary>
/// Parses a CO-RE access string ("0:1:2") against the object's own BTF (libbpf bpf_core_parse_spec semantics):
/// type relocations take "0"; enumerator relocations take the enumerator's index; field relocations start with the
/// index on the root pointer, then member indices into structs/unions (anonymous members add their offset but are
/// not named steps) and element indices into arrays.
/// </summary>
public static class CoreSpecParser
{
    public const int MaxLength = 64;

    public static CoreSpec Parse(BtfSpec btf, BtfTypeId rootId, string access, CoreReloKind kind)
    {
        var parts = access.Split(':');
        if (access.Length == 0 || parts.Length > MaxLength) throw new CoreRelocationException($"invalid access string '{access}'");
        var raw = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out raw[i]))
                throw new CoreRelocationException($"invalid access string '{access}'");
        if (!btf.Contains(rootId) || rootId.IsVoid) throw new CoreRelocationException($"local type id {rootId} is not in the object's BTF");

        var spec = new CoreSpec { Btf = btf, RootId = rootId, Kind = kind };
        spec.Raw.AddRange(raw);
        if (CoreReloKinds.IsType(kind))
        {
            if (raw.Length != 1 || raw[0] != 0) throw new CoreRelocationException($"type relocation with access string '{access}' (expected 0)");
            return spec;
        }
        if (CoreReloKinds.IsEnumval(kind))
        {
            var t = btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, rootId));
            if (t is not BtfEnum e || raw.Length != 1 || raw[0] >= e.Values.Count)
                throw new CoreRelocationException($"enumerator relocation '{access}' on a non-enum or out of range");
            spec.Accessors.Add(new CoreAccessor(rootId, raw[0], e.Values[raw[0]].Name));
            return spec;
        }
        if (!CoreReloKinds.IsField(kind)) throw new CoreRelocationException($"unknown relocation kind {(uint)kind}");

        var id = BtfWalk.SkipModsAndTypedefs(btf, rootId);
        var size = BtfWalk.SizeOf(btf, id) ?? throw new CoreRelocationException($"root type [{rootId}] has no size");
        spec.Accessors.Add(new CoreAccessor(rootId, raw[0], null));
        spec.BitOffset = (long)size * 8 * raw[0];
        for (var i = 1; i < raw.Length; i++)
        {
            id = BtfWalk.SkipModsAndTypedefs(btf, id);
            switch (btf.GetType(id))
            {
                case BtfComposite c:
                    if (raw[i] >= c.Members.Count) throw new CoreRelocationException($"member index {raw[i]} out of range in '{access}'");
                    var m = c.Members[raw[i]];
                    spec.BitOffset += m.BitOffset;
                    if (m.Name.Length > 0) spec.Accessors.Add(new CoreAccessor(id, raw[i], m.Name));
                    id = m.Type;
                    break;
                case BtfArray a:
                    var elem = BtfWalk.SkipModsAndTypedefs(btf, a.ElementType);
                    if (!IsFlexible(spec, i, a) && raw[i] >= a.Count) throw new CoreRelocationException($"array index {raw[i]} out of range in '{access}'");
                    spec.Accessors.Add(new CoreAccessor(elem, raw[i], null));
                    spec.BitOffset += (long)(BtfWalk.SizeOf(btf, elem) ?? 0) * 8 * raw[i];
                    id = elem;
                    break;
                default:
                    throw new CoreRelocationException($"access string '{access}' indexes into a {btf.GetType(id).Kind}");
            }
        }
        return spec;
    }

    /// <summary>An array is flexible when it has 0 elements and is the last member of the struct that holds it (libbpf is_flex_arr).</summary>
    internal static bool IsFlexible(CoreSpec spec, int step, BtfArray a)
    {
        if (a.Count != 0 || spec.Accessors.Count == 0) return false;
        var prev = spec.Accessors[^1];
        if (prev.Name is null) return false;
        return spec.Btf.GetType(prev.TypeId) is BtfComposite c && prev.Index == c.Members.Count - 1;
    }

}
