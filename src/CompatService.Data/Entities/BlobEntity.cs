namespace CompatService.Data.Entities;

/// <summary>Content-addressed bytes (kernel_blobs / object_blobs). Never selected by list queries.</summary>
public abstract class BlobEntity
{
    [Sha256Hex]
    public required string Sha256 { get; set; }
    public required byte[] Data { get; set; }
    public long Size { get; set; }
}

/// <summary>Raw vmlinux or module BTF bytes.</summary>
public sealed class KernelBlobEntity : BlobEntity;

/// <summary>BPF ELF object bytes.</summary>
public sealed class ObjectBlobEntity : BlobEntity;
