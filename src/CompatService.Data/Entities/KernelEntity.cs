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
