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
        return (BtfSubsetWriter.Write(keep.Select(v => spec.GetType(new BtfTypeId(v))).Select(t => new SubsetType(t, M,
            t is BtfComposite c ? MarkerMembersOf(c).ToList() : null, t is BtfEnum e && enumNames.Contains(e.Name)))), ids);
    }
}
