using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>
/// Kernel uploads in every form users have, through CompatService.Kernels.KernelIngest (raw / compressed BTF, vmlinux
/// ELF, x86 bzImage with any kernel compressor, arm64 Image[.gz], Debian linux-image .deb: vmlinuz, module BTFs,
/// boot/config-*, and the kfunc sets + KF_* flags of .BTF_ids). A gzip wrapper is opened here first under
/// Compat:MaxDecompressedBytes; a size limit hit anywhere answers 413, any other malformed input 422.
/// </summary>
public sealed class KernelFormReader : IKernelInputReader
{
    public KernelSource Read(ReadOnlyMemory<byte> upload, string? fileName, long maxDecompressedBytes)
    {
        var what = string.IsNullOrEmpty(fileName) ? "the upload" : $"'{fileName}'";
        var prefix = "";
        if (Compression.Detect(upload.Span) == CompressionKind.Gzip)
        {
            upload = Compression.Decompress(CompressionKind.Gzip, upload, maxDecompressedBytes, what);
            prefix = "gzip-";
            fileName = fileName is not null && fileName.EndsWith(".gz", StringComparison.Ordinal) ? fileName[..^3] : fileName;
        }
        var limits = IngestLimits.Default.WithDecompressionBudget(maxDecompressedBytes) with { MaxInputBytes = Math.Max(upload.Length, 1) };
        KernelIngestResult r;
        try
        {
            r = KernelIngest.Read(upload, fileName, limits);
        }
        catch (InputLimitException e)
        {
            throw new UploadTooLargeException($"{what}: {e.Message}");
        }
        catch (BpfFormatException e) when (NotAKernel.IsBpfObjectRefusal(e))
        {
            throw new UnprocessableInputException($"{what}: this is a BPF object; upload it to {Contracts.ApiRoutes.Objects}");
        }
        var source = KernelInput.FromIngest(r);
        return source with { Form = prefix + source.Form };
    }

    public static bool IsBtf(ReadOnlySpan<byte> b) =>
        b.Length >= 2 && ((b[0] == 0x9f && b[1] == 0xeb) || (b[0] == 0xeb && b[1] == 0x9f));
}
