using CompatService.Engine.Btf;

namespace CompatService.Engine.Kernels;

/// <summary>A module's split BTF on top of the kernel's vmlinux BTF.</summary>
public sealed record ModuleBtf(string Name, BtfSpec Spec);

/// <summary>
/// Everything the engine knows about one kernel: vmlinux BTF, module BTFs (in load order, i.e. BTF object id order),
/// release, and the kfunc sets recovered from the image's .BTF_ids when it was ingested from an image.
/// </summary>
public sealed class KernelBtfSet
{
    public KernelBtfSet(BtfSpec vmlinux, IReadOnlyList<ModuleBtf> modules, string btfSha256, string? release,
        IReadOnlyDictionary<string, uint>? kfuncFlags = null, IReadOnlyDictionary<string, string>? config = null,
        KallsymsTable? kallsyms = null, Func<KallsymsTable?>? readKallsyms = null)
        : this(vmlinux, modules, new KernelDescriptor(btfSha256, release, kfuncFlags, config), kallsyms, readKallsyms: readKallsyms)
    {
    }

    public KernelBtfSet(BtfSpec vmlinux, IReadOnlyList<ModuleBtf> modules, KernelDescriptor descriptor, KallsymsTable? kallsyms = null,
        IReadOnlyList<uint>? vmlinuxKernelIds = null, Func<KallsymsTable?>? readKallsyms = null,
        IReadOnlySet<string>? surfaceKallsymsEntryPoints = null)
    {
        SurfaceKallsymsEntryPoints = surfaceKallsymsEntryPoints;
        _kallsyms = kallsyms is not null || readKallsyms is null ? new Lazy<KallsymsTable?>(kallsyms) : new Lazy<KallsymsTable?>(readKallsyms);
        _kernelIds = vmlinuxKernelIds;
        Vmlinux = vmlinux;
        Modules = modules;
        Descriptor = descriptor;
        HasKfuncTags = vmlinux.HasDeclTag(KfuncTags.Kfunc);
        _enums = new Lazy<KernelEnums>(() => KernelEnums.Of(vmlinux));
    }

    private readonly Lazy<KernelEnums> _enums;
    private readonly Lazy<KallsymsTable?> _kallsyms;
    private readonly IReadOnlyList<uint>? _kernelIds;

    /// <summary>
    /// Whether this is a kernel's compact surface (<see cref="Surface.KernelSurface"/>): a small vmlinux BTF whose type ids
    /// are not the kernel's; <see cref="KernelIdOf"/> gives the kernel's.
    /// </summary>
    public bool IsSurface => _kernelIds is not null;

    /// <summary>The kernel's BTF id of type <paramref name="id"/> of <paramref name="spec"/> (what fixups and results carry).</summary>
    public uint KernelIdOf(BtfSpec spec, BtfTypeId id) =>
        _kernelIds is not null && ReferenceEquals(spec, Vmlinux) ? _kernelIds[(int)id.Value] : id.Value;

    /// <summary>The type of <paramref name="spec"/> that has the kernel's BTF id <paramref name="kernelId"/> (inverse of <see cref="KernelIdOf"/>).</summary>
    public BtfTypeId SpecIdOf(BtfSpec spec, uint kernelId)
    {
        if (_kernelIds is null || !ReferenceEquals(spec, Vmlinux)) return new BtfTypeId(kernelId);
        int lo = 1, hi = _kernelIds.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (_kernelIds[mid] == kernelId) return new BtfTypeId((uint)mid);
            if (_kernelIds[mid] < kernelId) lo = mid + 1; else hi = mid - 1;
        }
        throw new ArgumentException($"kernel type [{kernelId}] is not in the kernel surface", nameof(kernelId));
    }

    /// <summary>The kernel's BPF enums (helpers, program / attach / map / link types, features) from its own BTF.</summary>
    public KernelEnums Enums => _enums.Value;

    public BtfSpec Vmlinux { get; }
    public IReadOnlyList<ModuleBtf> Modules { get; }
    public KernelDescriptor Descriptor { get; }
    /// <inheritdoc cref="KernelDescriptor.BtfSha256"/>
    public string BtfSha256 => Descriptor.BtfSha256;
    public string? Release => Descriptor.Release;
    /// <inheritdoc cref="KernelDescriptor.KfuncFlags"/>
    public IReadOnlyDictionary<string, uint>? KfuncFlags => Descriptor.KfuncFlags;
    /// <inheritdoc cref="KernelDescriptor.Config"/>
    public IReadOnlyDictionary<string, string>? Config => Descriptor.Config;
    /// <summary>
    /// The kernel's kallsyms (names and types) from its image's own tables, or null when the kernel came without an
    /// image (raw BTF): then typeless ksyms stay unknown and typed ones are judged by CONFIG_KALLSYMS_ALL. A reader given
    /// instead of a table (the running kernel's /proc/kallsyms, ~110 ms) runs on first use: only a program with ksyms asks.
    /// </summary>
    public KallsymsTable? Kallsyms => _kallsyms.Value;
    /// <summary>
    /// On a kernel surface (<see cref="IsSurface"/>) of a kernel with kallsyms: which of libbpf's syscall entry points
    /// (<see cref="Linking.SyscallWrapperProbe.LibbpfEntryPoints"/>) its kallsyms holds, the one kallsyms fact the surface
    /// keeps (the full table stays with the full kernel). Null elsewhere.
    /// </summary>
    public IReadOnlySet<string>? SurfaceKallsymsEntryPoints { get; }
    /// <summary>Whether the BTF carries bpf_kfunc decl tags (pahole ≥ 1.27, kbuild ≥ 6.11).</summary>
    public bool HasKfuncTags { get; }
}

public static class KfuncTags
{
    public const string Kfunc = "bpf_kfunc";
    public const string Fastcall = "bpf_fastcall";
}
