using CompatService.Engine.Btf;
using CompatService.Engine.Preparation;

namespace CompatService.Engine.Kernels.Surface;

/// <summary>
/// The part of a kernel's vmlinux BTF that a cell without CO-RE reads, as a small raw BTF (little-endian) plus the kernel
/// id of each of its types: the BPF enums (<see cref="KernelEnums"/>, <c>btf_kfunc_hook</c>), the verifier's marker types
/// (<see cref="Analysis.KernelFeatures"/>), every VAR (typed ksyms), every FUNC that may be a kfunc (tagged, in the image's
/// .BTF_ids sets, or named by a kernel-facts table) with its decl tags, libbpf's syscall entry points (the FUNCs
/// LINUX_HAS_SYSCALL_WRAPPER's probe looks for, <see cref="Linking.SyscallWrapperProbe.LibbpfEntryPoints"/>), and the types their prototypes reach for libbpf's
/// compatibility rules (<see cref="BtfCompatibility"/>) and the prototype text (<see cref="BtfFormatter"/>). Structs, unions
/// and other enums are kept as stubs (name, kind, size, no members): neither reads past them. Types keep their relative
/// order, so "the first type of that name" is the same type in both.
/// </summary>
internal static class SurfaceBtf
{
    /// <summary>Enums read whole (their values decide rules).</summary>
    public static readonly string[] Enums =
        ["bpf_func_id", "bpf_prog_type", "bpf_attach_type", "bpf_map_type", "bpf_link_type", "bpf_features", "btf_kfunc_hook"];

    /// <summary>Types the engine looks up by name to tell the verifier's generation.</summary>
    public static readonly (string Name, BtfKind Kind)[] Markers =
    [
        ("bpf_kfunc_desc", BtfKind.Struct), ("bpf_kfunc_btf_tab", BtfKind.Struct),
        ("bpf_jit_supports_kfunc_call", BtfKind.Func), ("bpf_iter_num_new", BtfKind.Func),
        ("bpf_insn_aux_data", BtfKind.Struct),
    ];

    /// <summary>
    /// Members a marker struct keeps (the others are stubs): <c>bpf_insn_aux_data.non_sleepable</c> tells whether a timer
    /// callback of a sleepable program is non-sleepable (<see cref="Analysis.TimerCallbackContext"/>).
    /// </summary>
    public static readonly (string Struct, string Member)[] MarkerMembers = [("bpf_insn_aux_data", "non_sleepable")];

    /// <summary>The surface BTF and, per its type id (index = id, 0 = void), the kernel's id.</summary>
    public static (byte[] Raw, uint[] KernelIds) Build(BtfSpec vmlinux, ISet<string> kfuncNames)
    {
        var keep = new SortedSet<uint>();
        var work = new Stack<uint>();
        void Add(BtfTypeId id)
        {
            if (id.Value != 0 && keep.Add(id.Value)) work.Push(id.Value);
        }
        var enumNames = Enums.ToHashSet(StringComparer.Ordinal);
        var markers = Markers.ToHashSet();
        var funcs = new HashSet<uint>();
        var entryPoints = Linking.SyscallWrapperProbe.LibbpfEntryPoints.ToHashSet(StringComparer.Ordinal);
        for (var v = vmlinux.FirstTypeId; v <= vmlinux.LastTypeId; v++)
        {
            var id = new BtfTypeId(v);
            var kind = vmlinux.KindOf(id);
            if (kind is not (BtfKind.Func or BtfKind.Var or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Struct)) continue;
            var name = vmlinux.NameOf(id);
            var root = kind switch
            {
                BtfKind.Var => true,
                BtfKind.Func => kfuncNames.Contains(name) || markers.Contains((name, kind)) || entryPoints.Contains(name),
                BtfKind.Enum or BtfKind.Enum64 => enumNames.Contains(name),
                _ => markers.Contains((name, kind)),
            };
            if (!root) continue;
            Add(id);
            if (kind == BtfKind.Func) funcs.Add(v);
        }
        for (var v = vmlinux.FirstTypeId; v <= vmlinux.LastTypeId; v++)
            if (vmlinux.KindOf(new BtfTypeId(v)) == BtfKind.DeclTag && funcs.Contains(((BtfDeclTag)vmlinux.GetType(new BtfTypeId(v))).Target.Value))
                Add(new BtfTypeId(v));
        while (work.Count > 0)
            foreach (var r in References(vmlinux.GetType(new BtfTypeId(work.Pop())), enumNames)) Add(r);
        return Write(vmlinux, keep, enumNames);
    }

    private static IEnumerable<BtfTypeId> References(BtfType t, HashSet<string> enumNames) => t switch
    {
        BtfPtr p => [p.Target],
        BtfArray a => [a.ElementType, a.IndexType],
        BtfAlias a => [a.Target],
        BtfFunc f => [f.Proto],
        BtfFuncProto fp => fp.Parameters.Select(p => p.Type).Append(fp.ReturnType),
        BtfVar v => [v.Type],
        BtfDeclTag d => [d.Target],
        BtfComposite c => MarkerMembersOf(c).Select(m => m.Type),
        _ => [],
    };

    /// <summary>The members of <paramref name="c"/> the surface carries (only a marker struct's marker members).</summary>
    private static IEnumerable<BtfMember> MarkerMembersOf(BtfComposite c) =>
        c.Members.Where(m => MarkerMembers.Contains((c.Name, m.Name)));

    private static (byte[], uint[]) Write(BtfSpec spec, SortedSet<uint> keep, HashSet<string> enumNames)
    {
        var ids = new uint[keep.Count + 1];
        var map = new Dictionary<uint, uint>(keep.Count) { [0] = 0 };
        var next = 1u;
        foreach (var v in keep) { ids[next] = v; map[v] = next++; }
        uint M(BtfTypeId id) => map[id.Value];
        var b = new BtfBuilder();
        foreach (var v in keep)
        {
            var t = spec.GetType(new BtfTypeId(v));
            switch (t)
            {
                case BtfInt i:
                    b.Add(RawBtfKind.Int, i.Name, 0, i.Size, false, ((uint)i.Encoding << 24) | ((uint)i.BitOffset << 16) | i.Bits);
                    break;
                case BtfPtr p: b.Add(RawBtfKind.Ptr, null, 0, M(p.Target)); break;
                case BtfArray a: b.Add(RawBtfKind.Array, null, 0, 0, false, M(a.ElementType), M(a.IndexType), a.Count); break;
                case BtfComposite c:
                {
                    var members = MarkerMembersOf(c).ToList();
                    var kflag = members.Any(m => m.BitfieldSize != 0);
                    var words = members.SelectMany(m => new[]
                        { b.String(m.Name), M(m.Type), kflag ? (m.BitfieldSize << 24) | m.BitOffset : m.BitOffset }).ToArray();
                    b.Add(c.IsUnion ? RawBtfKind.Union : RawBtfKind.Struct, c.Name, members.Count, c.Size, kflag, words);
                    break;
                }
                case BtfEnum e when !enumNames.Contains(e.Name):
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
                default: throw new InvalidOperationException($"kernel surface: unexpected {t}");
            }
        }
        return (b.Build(), ids);
    }
}
