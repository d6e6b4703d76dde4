using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

/// <summary>An uploaded BPF object, identified by the sha256 of its ELF bytes (kept in object_blobs).</summary>
public sealed class ObjectEntity : UploadEntity
{
    [MaxLength(512)]
    public required string Name { get; set; }
    public long Size { get; set; }
    public string? License { get; set; }
    public bool GplCompatible { get; set; }
    public bool HasBtf { get; set; }
    /// <summary>jsonb array of strings: why libbpf would refuse to open it.</summary>
    public string OpenErrorsJson { get; set; } = "[]";
    /// <summary>jsonb array of map names.</summary>
    public string MapsJson { get; set; } = "[]";

    public List<ObjectProgramEntity> Programs { get; set; } = [];
}

/// <summary>An entry program of an object, as the engine's Inspect reports it.</summary>
public sealed class ObjectProgramEntity
{
    public long Id { get; set; }
    public long ObjectId { get; set; }
    /// <summary>Position in the object (the engine's order).</summary>
    public int Ordinal { get; set; }
    [MaxLength(512)]
    public required string Name { get; set; }
    [MaxLength(512)]
    public required string Section { get; set; }
    [MaxLength(64)]
    public required string Type { get; set; }
    public string? AttachType { get; set; }
    public string? AttachTarget { get; set; }
    public bool AutoLoad { get; set; }
    public int Insns { get; set; }
    /// <summary>jsonb array of helper names.</summary>
    public string HelpersJson { get; set; } = "[]";

    public List<ProgramRequirementEntity> Requirements { get; set; } = [];
}

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
