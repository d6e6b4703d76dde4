using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

/// <summary>One kernel, identified by the sha256 of its raw vmlinux BTF. The BTF bytes live in <see cref="BlobEntity"/> (kernel_blobs).</summary>
public sealed class KernelEntity : UploadEntity
{
    public string? Release { get; set; }
    public string? Arch { get; set; }
    public string? Flavour { get; set; }
    public string? Distro { get; set; }
    /// <summary>
    /// The version bound its BPF surface proves ("≥6.2 &lt;6.12", see Engine KernelIdentity.Bound), computed at ingest:
    /// shown for kernels without a release, and used by release filters for them. Never a release.
    /// </summary>
    [MaxLength(64)]
    public string? ReleaseBound { get; set; }
    /// <summary>What was uploaded: form (raw-btf, gzip-btf, elf, bzimage, image-gz, deb, ...) and file name.</summary>
    [MaxLength(512)]
    public required string Source { get; set; }
    /// <summary>sha256 of the uploaded file (may differ from <see cref="Sha256"/> when it was an image or package).</summary>
    public string? UploadSha256 { get; set; }
    public long UploadSize { get; set; }
    /// <summary>Whether a kernel config came with the input (its text is in kernel_configs, never loaded by lists).</summary>
    public bool HasConfig { get; set; }
    /// <summary>jsonb: kfunc name → KF_* flags recovered from .BTF_ids; null when unknown.</summary>
    public string? KfuncFlagsJson { get; set; }
    /// <summary>
    /// sha256 of the kernel's kallsyms in stored form (names and types, gzip'd; the blob in kernel_blobs) decoded from the
    /// image or package it was uploaded as; null when it came as raw BTF (typeless ksyms are then unknown).
    /// </summary>
    [Sha256Hex]
    public string? KallsymsSha256 { get; set; }
    public int TypeCount { get; set; }
    public int FunctionCount { get; set; }
    public int KfuncCount { get; set; }
    public bool HasKfuncTags { get; set; }
    public bool HasKfuncFlags { get; set; }

    public List<KernelModuleEntity> Modules { get; set; } = [];
}

/// <summary>A module's split BTF belonging to a kernel; its bytes are a kernel blob keyed by sha256.</summary>
public sealed class KernelModuleEntity
{
    public long Id { get; set; }
    public long KernelId { get; set; }
    [MaxLength(256)]
    public required string Name { get; set; }
    [Sha256Hex]
    public required string BlobSha256 { get; set; }
    /// <summary>Load order (BTF object id order) among the kernel's modules.</summary>
    public int Ordinal { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// A kfunc (<see cref="Kind"/> "func") or ksym variable ("var") of a kernel: the index behind
/// "which kernels have kfunc X" and kernel diffs.
/// </summary>
public sealed class KernelSymbolEntity
{
    public long Id { get; set; }
    public long KernelId { get; set; }
    [MaxLength(256)]
    public required string Name { get; set; }
    /// <summary>"func" or "var".</summary>
    [MaxLength(8)]
    public required string Kind { get; set; }
    public long BtfId { get; set; }
    /// <summary>Module name, null for vmlinux.</summary>
    [MaxLength(256)]
    public string? Module { get; set; }
    /// <summary>Normalised C prototype (for diffs).</summary>
    public required string Prototype { get; set; }
    /// <summary>Carries the bpf_kfunc decl tag.</summary>
    public bool Tagged { get; set; }
    /// <summary>KF_* flags from .BTF_ids, null when unknown.</summary>
    public long? Flags { get; set; }
}

/// <summary>The kernel .config text that came with a kernel (image package or corpus dir), one per kernel.</summary>
public sealed class KernelConfigEntity : IOnePerKernel
{
    public long KernelId { get; set; }
    public required string Text { get; set; }
}

/// <summary>
/// A kernel's compact surface (Engine <c>KernelSurface</c>, issue 13 §2): what a matrix cell without CO-RE needs from the
/// kernel, computed at ingest (or on first use for kernels stored before it existed) so such cells never fetch nor parse
/// the full BTF. One per kernel; rebuilt when its format or the kernel's inputs (<see cref="KernelKey"/>) change.
/// </summary>
public sealed class KernelSurfaceEntity : IOnePerKernel
{
    public long KernelId { get; set; }
    /// <summary>The engine's surface format it was written in.</summary>
    public int Format { get; set; }
    /// <summary>What the kernel was when the surface was computed (BTF sha, modules, flags, config, release, kallsyms).</summary>
    public required string KernelKey { get; set; }
    /// <summary>The engine's stored form (KernelSurfaceCodec: Brotli'd binary).</summary>
    public required byte[] Data { get; set; }
    public DateTimeOffset ComputedAt { get; set; }
}

/// <summary>
/// A CO-RE slice (Engine <c>CoreSlice</c>, issue 13): the part of a kernel's BTF that CO-RE relocations against one root
/// read, as raw BTF in a canonical order, stored once for every kernel (and root) with that shape, keyed by its hash.
/// </summary>
public sealed class CoreSliceEntity
{
    /// <summary>128-bit digest of <see cref="Data"/>, hex.</summary>
    public required string Hash { get; set; }
    public required byte[] Data { get; set; }
}

/// <summary>
/// A kernel's CO-RE shape of one root (Engine <c>CoreShape</c>): which slice, and the kernel's type id of each slice type.
/// Computed where the full BTF is open anyway (ingest, a batch that loads the kernel); a null slice means no shape can
/// stand for the kernel there (a module holds the candidates, or a big-endian kernel): such cells need the full kernel.
/// </summary>
public sealed class KernelCoreShapeEntity
{
    public long KernelId { get; set; }
    /// <summary>The root's key (<c>CoreRoot.Key</c>, e.g. <c>Struct:task_struct</c>).</summary>
    public required string Root { get; set; }
    /// <summary>The engine's shape format it was computed in.</summary>
    public int Format { get; set; }
    /// <summary>What the kernel was when the shape was computed (as <see cref="KernelSurfaceEntity.KernelKey"/>).</summary>
    public required string KernelKey { get; set; }
    public string? SliceHash { get; set; }
    /// <summary>The kernel ids (little-endian u32, index = slice id, 0 = void).</summary>
    public byte[]? KernelIds { get; set; }
}
