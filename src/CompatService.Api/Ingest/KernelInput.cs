namespace CompatService.Api.Ingest;

/// <summary>
/// A kernel upload unpacked to what the engine opens: the vmlinux BTF (any form CompatEngine.OpenKernel reads), module
/// BTFs, the config, what the input says about release / arch / flavour / distro, and the .BTF_ids kfunc flags when the
/// input was an image.
/// </summary>
public sealed record KernelInput(
    ReadOnlyMemory<byte> Vmlinux,
    IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> Modules,
    string Form,
    string? Release = null,
    string? Arch = null,
    string? Flavour = null,
    string? Distro = null,
    string? Config = null,
    IReadOnlyDictionary<string, uint>? KfuncFlags = null);

/// <summary>Turns uploaded bytes (raw / gzip BTF, vmlinux ELF, bzImage, Image.gz, .deb) into a <see cref="KernelInput"/>.</summary>
public interface IKernelInputReader
{
    /// <exception cref="CompatService.Engine.Binary.BpfFormatException">malformed input (422)</exception>
    /// <exception cref="CompatService.Api.Errors.UploadTooLargeException">decompresses beyond the limit (413)</exception>
    KernelInput Read(ReadOnlyMemory<byte> upload, string? fileName, long maxDecompressedBytes);
}
