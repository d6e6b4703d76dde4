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
