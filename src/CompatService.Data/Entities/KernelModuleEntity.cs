using System.ComponentModel.DataAnnotations;

namespace CompatService.Data.Entities;

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
