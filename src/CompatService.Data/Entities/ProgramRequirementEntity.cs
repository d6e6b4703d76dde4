using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

/// <summary>Something a program needs from the kernel: a kfunc, a ksym variable or a kconfig value.</summary>
public sealed class ProgramRequirementEntity
{
    public long Id { get; set; }
    public long ProgramId { get; set; }
    /// <summary>"kfunc", "ksym" or "kconfig".</summary>
    [MaxLength(16)]
    public required string Kind { get; set; }
    [MaxLength(256)]
    public required string Name { get; set; }
    public bool Weak { get; set; }
    /// <summary>A weak kfunc whose address is tested (bpf_ksym_exists) before use.</summary>
    public bool Guarded { get; set; }
    /// <summary>ksym with a BTF type (typed) or not.</summary>
    public bool Typed { get; set; }
    /// <summary>Call sites (kfunc) or referencing instructions (ksym).</summary>
    public int[] Insns { get; set; } = [];
    /// <summary>Existence checks (kfunc address loads).</summary>
    public int[] ExistenceChecks { get; set; } = [];
}
