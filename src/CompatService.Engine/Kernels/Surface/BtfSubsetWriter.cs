using CompatService.Engine.Btf;
using CompatService.Engine.Preparation;

namespace CompatService.Engine.Kernels.Surface;

/// <summary>
/// One type of a BTF subset being written: the type (of any source BTF), how its references map to ids of the subset,
/// the members it keeps when it is a struct or union (null: all of them; empty: a stub with name, kind and size), and
/// whether an enum keeps its values (a stub otherwise).
/// </summary>
internal readonly record struct SubsetType(BtfType Type, Func<BtfTypeId, uint> Map, IReadOnlyList<BtfMember>? Members, bool EnumValues)
{
    /// <summary>How much of the type is written: members or values kept (a whole type beats its stub).</summary>
    public int Weight => Type switch
    {
        BtfComposite c => 1 + (Members ?? c.Members).Count,
        BtfEnum e => EnumValues ? 1 + e.Values.Count : 0,
        _ => 0,
    };
}

/// <summary>Writes a subset of types, in the order given (ids from 1), as a raw little-endian BTF: the kernel surface and CO-RE shapes.</summary>
internal static class BtfSubsetWriter
{
    public static byte[] Write(IEnumerable<SubsetType> types)
    {
        var b = new BtfBuilder();
        foreach (var s in types) Add(b, s);
        return b.Build();
    }

    private static void Add(BtfBuilder b, SubsetType s)
    {
        var M = s.Map;
        var t = s.Type;
        switch (t)
        {
            case BtfInt i:
                b.Add(RawBtfKind.Int, i.Name, 0, i.Size, false, ((uint)i.Encoding << 24) | ((uint)i.BitOffset << 16) | i.Bits);
                break;
            case BtfPtr p: b.Add(RawBtfKind.Ptr, null, 0, M(p.Target)); break;
            case BtfArray a: b.Add(RawBtfKind.Array, null, 0, 0, false, M(a.ElementType), M(a.IndexType), a.Count); break;
            case BtfComposite c:
            {
                var members = s.Members ?? c.Members;
                var kflag = members.Any(m => m.BitfieldSize != 0);
                var words = members.SelectMany(m => new[]
                    { b.String(m.Name), M(m.Type), kflag ? (m.BitfieldSize << 24) | m.BitOffset : m.BitOffset }).ToArray();
                b.Add(c.IsUnion ? RawBtfKind.Union : RawBtfKind.Struct, c.Name, members.Count, c.Size, kflag, words);
                break;
            }
            case BtfEnum e when !s.EnumValues:
                b.Add(e.Is64 ? RawBtfKind.Enum64 : RawBtfKind.Enum, e.Name, 0, e.Size, e.IsSigned);
                break;
            case BtfEnum e when e.Is64:
                b.Add(RawBtfKind.Enum64, e.Name, e.Values.Count, e.Size, e.IsSigned,
                    e.Values.SelectMany(x => new[] { b.String(x.Name), (uint)x.Value, (uint)((ulong)x.Value >> 32) }).ToArray());
                break;
            case BtfEnum e:
                b.Add(RawBtfKind.Enum, e.Name, e.Values.Count, e.Size, e.IsSigned,
                    e.Values.SelectMany(x => new[] { b.String(x.Name), (uint)x.Value }).ToArray());
                break;
            case BtfFwd f: b.Add(RawBtfKind.Fwd, f.Name, 0, 0, f.IsUnion); break;
            case BtfAlias a: b.Add((RawBtfKind)a.Kind, a.Name, 0, M(a.Target)); break;
            case BtfFunc f: b.Add(RawBtfKind.Func, f.Name, (int)f.Linkage, M(f.Proto)); break;
            case BtfFuncProto fp:
            {
                var words = fp.Parameters.SelectMany(p => new[] { b.String(p.Name), M(p.Type) });
                if (fp.IsVariadic) words = words.Concat([0u, 0u]);
                b.Add(RawBtfKind.FuncProto, null, fp.Parameters.Count + (fp.IsVariadic ? 1 : 0), M(fp.ReturnType), false, words.ToArray());
                break;
            }
            case BtfVar va: b.Add(RawBtfKind.Var, va.Name, 0, M(va.Type), false, (uint)va.Linkage); break;
            case BtfFloat fl: b.Add(RawBtfKind.Float, fl.Name, 0, fl.Size); break;
            case BtfDeclTag d: b.Add(RawBtfKind.DeclTag, d.Name, 0, M(d.Target), false, (uint)d.ComponentIndex); break;
            default: throw new InvalidOperationException($"BTF subset: unexpected {t}");
        }
    }
}
