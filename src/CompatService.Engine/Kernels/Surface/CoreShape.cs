using System.Security.Cryptography;
using CompatService.Engine.Btf;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Kernels.Surface;

/// <summary>
/// A CO-RE root: what libbpf's candidate look-up keys on (bpf_core_find_cands), the local type's essential name (___flavour
/// stripped) and its kind, enum and enum64 being one class.
/// </summary>
public sealed record CoreRoot(string Name, BtfKind Kind)
{
    /// <summary>The root of a relocation against local type <paramref name="local"/>.</summary>
    public static CoreRoot Of(BtfType local) =>
        new(BtfWalk.EssentialName(local.Name), local.Kind == BtfKind.Enum64 ? BtfKind.Enum : local.Kind);

    /// <summary>Whether a kernel type of kind <paramref name="kind"/> named <see cref="Name"/> is a candidate (as <see cref="CoreRelocator"/>'s look-up).</summary>
    public bool IsCandidate(BtfKind kind) => kind == Kind || (Kind == BtfKind.Enum && kind == BtfKind.Enum64);

    /// <summary>The stored key, e.g. <c>Struct:task_struct</c>.</summary>
    public string Key => $"{Kind}:{Name}";

    /// <summary>The root of a stored key (inverse of <see cref="Key"/>).</summary>
    public static CoreRoot Parse(string key)
    {
        var colon = key.IndexOf(':');
        if (colon <= 0 || !Enum.TryParse<BtfKind>(key[..colon], out var kind)) throw new FormatException($"not a CO-RE root key: '{key}'");
        return new CoreRoot(key[(colon + 1)..], kind);
    }

    /// <summary>
    /// The roots whose kernel candidates <paramref name="obj"/>'s CO-RE relocations read (none without CO-RE), or null when
    /// one relocation reads more than a root's shape carries: TYPE_MATCHES compares the members of structs behind pointers,
    /// which shapes keep as stubs. Relocations that fail before any look-up (unknown kind, anonymous or missing local type)
    /// and TYPE_ID_LOCAL read nothing of the kernel.
    /// </summary>
    public static IReadOnlySet<CoreRoot>? RootsOf(BpfObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var roots = new HashSet<CoreRoot>();
        if (obj.BtfExt is not { } ext || obj.Btf is not { } btf) return roots;
        foreach (var rec in ext.CoreRelos.Values.SelectMany(r => r))
        {
            if (rec.Kind == (uint)CoreReloKind.TypeMatches) return null;
            if (rec.Kind > (uint)CoreReloKind.TypeMatches || rec.Kind == (uint)CoreReloKind.TypeIdLocal) continue;
            if (rec.TypeId.IsVoid || !btf.Contains(rec.TypeId)) continue;
            var local = btf.GetType(rec.TypeId);
            if (local.Name.Length > 0) roots.Add(Of(local));
        }
        return roots;
    }
}

/// <summary>
/// A slice of a kernel's BTF shared by every kernel where a root has the same shape (<see cref="CoreShape"/>): raw
/// little-endian BTF written in a canonical order (the candidates by kernel id, then breadth-first along references), so
/// equal shapes give equal bytes whatever their kernel ids; <see cref="Hash"/> is its 128-bit digest (hex).
/// </summary>
public sealed class CoreSlice
{
    private readonly Lazy<BtfSpec> _spec;

    public CoreSlice(byte[] btf)
    {
        Btf = btf;
        Hash = Convert.ToHexStringLower(SHA256.HashData(btf).AsSpan(0, 16));
        _spec = new Lazy<BtfSpec>(() => BtfSpec.Parse(Btf, null, ".BTF (CO-RE shape)"));
    }

    public byte[] Btf { get; }
    public string Hash { get; }
    /// <summary>The slice parsed (once).</summary>
    public BtfSpec Spec => _spec.Value;
}

/// <summary>
/// What a kernel's CO-RE relocations against one root read (issue 13): every candidate type of the root in vmlinux and,
/// breadth-first, every type they reach — members, embedded structs and unions, arrays, typedefs and modifiers, enums with
/// their values, function prototypes — except that a named struct or union reached through a pointer is kept as a stub
/// (name, kind, size): libbpf's field matching, bpf_core_fields_are_compat and bpf_core_types_are_compat read no member
/// behind a pointer (TYPE_MATCHES does, and objects using it are not decided by shapes: <see cref="CoreRoot.RootsOf"/>).
/// The slice is shared by hash; <see cref="KernelIds"/> (this kernel's id of each slice type) is the kernel's own.
/// </summary>
public sealed record CoreShape(CoreRoot Root, CoreSlice Slice, uint[] KernelIds)
{
    /// <summary>Bumped whenever what a shape holds changes: stored shapes of another format are computed again.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// The shape of <paramref name="root"/> on a fully parsed kernel, or null when a shape cannot stand for the kernel: a
    /// big-endian kernel (the surface is little-endian, and bitfield shifts depend on it), or a root vmlinux has no candidate
    /// for while a module has one (libbpf then takes the modules' candidates).
    /// </summary>
    public static CoreShape? Of(KernelBtfSet kernel, CoreRoot root)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(root);
        var vm = kernel.Vmlinux;
        if (vm.Endian.IsBig) return null;
        var candidates = vm.FindByName(root.Name).Where(id => root.IsCandidate(vm.KindOf(id))).Select(id => id.Value).Order().ToList();
        if (candidates.Count == 0 && kernel.Modules.Any(m => m.Spec.FindByName(root.Name).Any(id => root.IsCandidate(m.Spec.KindOf(id)))))
            return null;
        var (order, full) = Closure(vm, candidates);
        var local = new Dictionary<uint, uint>(order.Count) { [0] = 0 };
        for (var i = 0; i < order.Count; i++) local[order[i]] = (uint)i + 1;
        uint M(BtfTypeId id) => local[id.Value];
        var btf = BtfSubsetWriter.Write(order.Select(v => vm.GetType(new BtfTypeId(v))).Select(t => new SubsetType(t, M,
            t is BtfComposite && !full.Contains(t.Id.Value) ? [] : null, true)));
        return new CoreShape(root, new CoreSlice(btf), order.Prepend(0u).ToArray());
    }

    /// <summary>The types reached from <paramref name="candidates"/> in discovery order, and those written whole.</summary>
    private static (List<uint> Order, HashSet<uint> Full) Closure(BtfSpec vm, List<uint> candidates)
    {
        var order = new List<uint>();
        var seen = new HashSet<uint>();
        var expanded = new HashSet<(uint, bool)>();
        var full = new HashSet<uint>();
        var work = new Queue<(uint Id, bool ViaPointer)>();
        void Reach(BtfTypeId id, bool viaPointer)
        {
            if (id.IsVoid) return;
            if (seen.Add(id.Value)) order.Add(id.Value);
            var t = vm.GetType(id);
            if (viaPointer && t is BtfComposite { Name.Length: > 0 }) return; // a stub unless reached otherwise
            var mode = viaPointer && t is BtfAlias;
            if (expanded.Add((id.Value, mode))) work.Enqueue((id.Value, mode));
        }
        foreach (var c in candidates) Reach(new BtfTypeId(c), false);
        while (work.Count > 0)
        {
            var (v, viaPointer) = work.Dequeue();
            var t = vm.GetType(new BtfTypeId(v));
            if (t is BtfComposite) full.Add(v);
            switch (t)
            {
                case BtfPtr p: Reach(p.Target, true); break;
                case BtfAlias a: Reach(a.Target, viaPointer); break;
                case BtfArray a: Reach(a.ElementType, false); Reach(a.IndexType, false); break;
                case BtfComposite c: foreach (var m in c.Members) Reach(m.Type, false); break;
                case BtfFunc f: Reach(f.Proto, false); break;
                case BtfFuncProto fp:
                    Reach(fp.ReturnType, false);
                    foreach (var p in fp.Parameters) Reach(p.Type, false);
                    break;
                case BtfVar va: Reach(va.Type, false); break;
                case BtfDeclTag d: Reach(d.Target, false); break;
            }
        }
        return (order, full);
    }
}
