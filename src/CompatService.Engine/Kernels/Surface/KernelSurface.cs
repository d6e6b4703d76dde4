using CompatService.Engine.Analysis.Rules;
using CompatService.Engine.Btf;
using CompatService.Engine.KernelFacts;
using CompatService.Engine.Object;

namespace CompatService.Engine.Kernels.Surface;

/// <summary>
/// A kernel's compact surface (issue 13 §2, issue 9 §1): what a cell without CO-RE needs from the kernel, precomputed at
/// ingest and stored with it, so such cells never fetch nor parse the full BTF. It holds the identity (BTF sha256,
/// release), the config, the image's KF_* flags, whether the kernel has its own kallsyms, a small BTF with the BPF enums
/// (helpers, program / attach / map / link types, features, kfunc hooks), the verifier's marker types, every VAR, every
/// FUNC that may be a kfunc with its prototype and decl tags (<see cref="SurfaceBtf"/>), the kernel id of each of those
/// types, and a filter of the FUNC / VAR / TYPEDEF names it does not carry (vmlinux and modules).
/// <see cref="Decides"/> says whether an object's verdicts on the surface are those on the full BTF; <see cref="Kernel"/>
/// is the engine's kernel built from it, checked by the same <see cref="CompatEngine.Check"/>.
/// </summary>
public sealed class KernelSurface
{
    /// <summary>
    /// Bumped whenever what the surface holds changes: a stored surface of another format is rebuilt (on first use by the
    /// service, or for every kernel by <c>migrate --surfaces</c>). 2: libbpf's syscall entry points (BTF FUNCs and kallsyms
    /// presence) carried, so objects reading LINUX_HAS_SYSCALL_WRAPPER are decided on the surface. 3: the marker struct
    /// bpf_insn_aux_data with its non_sleepable member (when the kernel has it), so a sleepable program's timer callback
    /// (TimerCallbackContext) is decided on the surface and sleepable programs with kfuncs no longer need the full kernel.
    /// </summary>
    public const int FormatVersion = 3;

    private readonly Lazy<KernelBtfSet> _kernel;

    internal KernelSurface(KernelDescriptor descriptor, bool hasKallsyms, byte[] btf, uint[] kernelIds, NameFilter elsewhere,
        IReadOnlySet<string>? kallsymsEntryPoints)
    {
        KallsymsEntryPoints = hasKallsyms ? kallsymsEntryPoints ?? new HashSet<string>(StringComparer.Ordinal) : null;
        Descriptor = descriptor;
        HasKallsyms = hasKallsyms;
        Btf = btf;
        KernelIds = kernelIds;
        Elsewhere = elsewhere;
        _kernel = new Lazy<KernelBtfSet>(() => new KernelBtfSet(BtfSpec.Parse(Btf, null, ".BTF (surface)"), [], Descriptor,
            vmlinuxKernelIds: KernelIds, surfaceKallsymsEntryPoints: KallsymsEntryPoints));
    }

    /// <summary>The kernel's identity, config and KF_* flags: the full kernel's own <see cref="KernelBtfSet.Descriptor"/>.</summary>
    public KernelDescriptor Descriptor { get; }
    /// <summary>The full kernel carries its image's kallsyms; objects with ksyms are then judged on the full kernel.</summary>
    public bool HasKallsyms { get; }
    /// <summary>The surface's raw BTF (little-endian).</summary>
    public ReadOnlyMemory<byte> Btf { get; }
    /// <summary>Which of libbpf's syscall entry points the kernel's kallsyms holds; null when it has no kallsyms.</summary>
    public IReadOnlySet<string>? KallsymsEntryPoints { get; }
    /// <summary>The kernel's type id of each surface type (index = surface id).</summary>
    public IReadOnlyList<uint> KernelIds { get; }
    /// <summary>Names of FUNC / VAR / TYPEDEF types the surface does not carry ("maybe" = look in the full BTF).</summary>
    public NameFilter Elsewhere { get; }

    /// <summary>The engine's kernel made of the surface (no modules; kernel ids as the full kernel's).</summary>
    public KernelBtfSet Kernel => _kernel.Value;

    /// <summary>The kernel's BPF enums, from the surface alone.</summary>
    public KernelEnums Enums => Kernel.Enums;

    /// <summary>The surface of a fully parsed kernel.</summary>
    public static KernelSurface Of(KernelBtfSet kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var vmlinux = kernel.Vmlinux;
        var kfuncs = new HashSet<string>(StringComparer.Ordinal);
        if (kernel.KfuncFlags is { } flags) kfuncs.UnionWith(flags.Keys);
        foreach (var id in vmlinux.FuncsWithDeclTag(KfuncTags.Kfunc)) kfuncs.Add(vmlinux.NameOf(id));
        foreach (var t in KernelFactsCatalog.Tables)
            foreach (var set in t.KfuncSets)
                foreach (var k in set.Kfuncs) kfuncs.Add(k.Name);
        var (btf, ids) = SurfaceBtf.Build(vmlinux, kfuncs);
        var carried = new HashSet<(string, BtfKind)>();
        var surface = BtfSpec.Parse(btf, null, ".BTF (surface)");
        for (var v = surface.FirstTypeId; v <= surface.LastTypeId; v++)
            carried.Add((surface.NameOf(new BtfTypeId(v)), surface.KindOf(new BtfTypeId(v))));
        var elsewhere = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in kernel.Modules.Select(m => m.Spec).Prepend(vmlinux))
            for (var v = spec.FirstTypeId; v <= spec.LastTypeId; v++)
            {
                var id = new BtfTypeId(v);
                var kind = spec.KindOf(id);
                if (kind is not (BtfKind.Func or BtfKind.Var or BtfKind.Typedef)) continue;
                var name = spec.NameOf(id);
                if (spec != vmlinux || !carried.Contains((name, kind))) elsewhere.Add(name);
            }
        var entryPoints = kernel.Kallsyms is { } kallsyms
            ? Linking.SyscallWrapperProbe.LibbpfEntryPoints.Where(kallsyms.Contains).ToHashSet(StringComparer.Ordinal)
            : null;
        return new KernelSurface(kernel.Descriptor, kernel.Kallsyms is not null,
            btf, ids, NameFilter.Of(elsewhere), entryPoints);
    }

    /// <summary>
    /// Whether every verdict of <paramref name="obj"/> on <see cref="Kernel"/> is the verdict on the full kernel: no CO-RE
    /// relocation, no struct_ops, no ksym where the kernel has kallsyms, and every name the object looks up in the
    /// kernel (kfunc and typed ksym externs, BTF attach targets) either carried by the surface or surely absent.
    /// </summary>
    public bool Decides(BpfObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return !(obj.BtfExt is { } ext && ext.CoreRelos.Values.Any(r => r.Count > 0)) && DecidesBeyondCore(obj);
    }

    /// <summary>
    /// Whether every verdict of <paramref name="obj"/> on <see cref="KernelWith"/>(the shapes of its roots) is the verdict on
    /// the full kernel: <see cref="Decides(BpfObject)"/> but for CO-RE relocations, which are decided when
    /// <paramref name="shapes"/> holds this kernel's shape of every root they look up (<see cref="CoreRoot.RootsOf"/>).
    /// </summary>
    public bool Decides(BpfObject obj, IReadOnlyDictionary<CoreRoot, CoreShape> shapes)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(shapes);
        return CoreRoot.RootsOf(obj) is { } roots && roots.All(shapes.ContainsKey) && DecidesBeyondCore(obj);
    }

    /// <summary>
    /// The engine's kernel made of the surface and CO-RE shapes of this kernel (<see cref="CoreShape.Of"/>): CO-RE
    /// relocations against their roots read what they would read in the full kernel, with the full kernel's ids.
    /// </summary>
    public KernelBtfSet KernelWith(IEnumerable<CoreShape> shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        var list = shapes.ToList();
        if (list.Count == 0) return Kernel;
        var (btf, ids) = SurfaceWithShapes.Merge(Kernel.Vmlinux, KernelIds, list);
        return new KernelBtfSet(BtfSpec.Parse(btf, null, ".BTF (surface + CO-RE shapes)"), [], Descriptor,
            vmlinuxKernelIds: ids, surfaceKallsymsEntryPoints: KallsymsEntryPoints);
    }

    private bool DecidesBeyondCore(BpfObject obj)
    {
        if (obj.StructOps.Count > 0 || obj.Programs.Any(p => p.SectionInfo.ProgramType == "struct_ops")) return false;
        // A kfunc in a sleepable program's timer callback is decided by bpf_insn_aux_data.non_sleepable in the kernel's
        // BTF (TimerCallbackContext): the surface (format 3) carries that member where the kernel has it.
        // Kconfig externs need nothing beyond the surface: it keeps the config, and for LINUX_HAS_SYSCALL_WRAPPER what
        // libbpf's probe reads (__<arch>_sys_bpf among the BTF's FUNCs and in kallsyms).
        foreach (var e in obj.Externs)
        {
            switch (e.Kind)
            {
                case ExternKind.Kfunc when !Known(e.EssentialName, BtfKind.Func):
                case ExternKind.TypedKsym when HasKallsyms || !Known(e.EssentialName, BtfKind.Var):
                case ExternKind.TypelessKsym when HasKallsyms:
                    return false;
            }
        }
        foreach (var p in obj.Programs)
        {
            if (AttachTargetRule.Lookup(p.SectionInfo) is not { } lookup) continue;
            if (p.SectionInfo.AttachTarget is not { Length: > 0 } target) continue;
            if (lookup.Prefix.Length == 0 && target.IndexOf(':') > 0) return false; // a module's target: modules are not carried
            if (!Known(lookup.Prefix + target, lookup.Kind)) return false;
        }
        return true;
    }

    /// <summary>The surface answers a look-up of (name, kind) like the full kernel: it carries that type, or nothing has the name.</summary>
    private bool Known(string name, BtfKind kind) =>
        Kernel.Vmlinux.FindFirstOfKind(name, kind) is not null || !Elsewhere.MayContain(name);
}
