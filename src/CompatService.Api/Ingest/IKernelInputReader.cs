using CompatService.Engine.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>Turns uploaded bytes (raw / gzip BTF, vmlinux ELF, bzImage, Image.gz, .deb) into a <see cref="KernelSource"/>.</summary>
public interface IKernelInputReader
{
    /// <exception cref="CompatService.Engine.Binary.BpfFormatException">malformed input (422)</exception>
    /// <exception cref="CompatService.Api.Errors.UploadTooLargeException">decompresses beyond the limit (413)</exception>
    KernelSource Read(ReadOnlyMemory<byte> upload, string? fileName, long maxDecompressedBytes);
}
