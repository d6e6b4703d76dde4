using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

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
