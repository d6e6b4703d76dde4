namespace CompatService.Data.Entities;

/// <summary>
/// What kernels and objects share as uploads: identified by the sha256 of their bytes (unique, and the key of their blob
/// in kernel_blobs / object_blobs), labelled, and stamped when stored.
/// </summary>
public abstract class UploadEntity
{
    public long Id { get; set; }
    /// <summary>sha256 (lower-case hex) of the bytes: the raw vmlinux BTF of a kernel, the ELF of an object.</summary>
    [Sha256Hex]
    public required string Sha256 { get; set; }
    /// <summary>jsonb object of string labels.</summary>
    public string LabelsJson { get; set; } = "{}";
    public DateTimeOffset CreatedAt { get; set; }
}
