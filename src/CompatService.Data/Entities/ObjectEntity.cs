namespace CompatService.Data.Entities;

/// <summary>An uploaded BPF object, identified by the sha256 of its ELF bytes (kept in object_blobs).</summary>
public sealed class ObjectEntity
{
    public long Id { get; set; }
    public required string Sha256 { get; set; }
    public required string Name { get; set; }
    public string LabelsJson { get; set; } = "{}";
    public long Size { get; set; }
    public string? License { get; set; }
    public bool GplCompatible { get; set; }
    public bool HasBtf { get; set; }
    /// <summary>jsonb array of strings: why libbpf would refuse to open it.</summary>
    public string OpenErrorsJson { get; set; } = "[]";
    /// <summary>jsonb array of map names.</summary>
    public string MapsJson { get; set; } = "[]";
    public DateTimeOffset CreatedAt { get; set; }

    public List<ObjectProgramEntity> Programs { get; set; } = [];
}
