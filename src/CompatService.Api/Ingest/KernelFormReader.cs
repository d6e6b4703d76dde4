using System.Buffers.Binary;
using CompatService.Api.Errors;
using CompatService.Engine.Binary;
using CompatService.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>
/// The forms the service recognises itself before handing bytes to the engine: raw BTF (either byte order),
/// gzip (decompressed here under Compat:MaxDecompressedBytes, then recognised again), vmlinux ELF.
/// Compressed images (bzImage, arm64 Image.gz) and Debian packages are unpacked by CompatService.Kernels
/// (KernelIngest) — see <see cref="ReadImage"/>.
/// </summary>
public sealed class KernelFormReader : IKernelInputReader
{
    public KernelInput Read(ReadOnlyMemory<byte> upload, string? fileName, long maxDecompressedBytes)
    {
        var what = string.IsNullOrEmpty(fileName) ? "the upload" : $"'{fileName}'";
        var span = upload.Span;
        if (BoundedDecompression.IsGzip(span))
        {
            var inner = BoundedDecompression.Gunzip(upload, maxDecompressedBytes, what);
            if (IsBtf(inner) || IsElf(inner))
                return ReadPlain(inner, "gzip-" + FormOf(inner), what);
            return ReadImage(upload, fileName, what, maxDecompressedBytes);
        }
        if (IsBtf(span) || IsElf(span))
            return ReadPlain(upload, FormOf(span), what);
        return ReadImage(upload, fileName, what, maxDecompressedBytes);
    }

    private static KernelInput ReadPlain(ReadOnlyMemory<byte> bytes, string form, string what) =>
        new(bytes, [], form, Arch: IsElf(bytes.Span) ? ElfArch(bytes.Span) : null);

    /// <summary>Images and packages: the KernelIngest seam (CompatService.Kernels).</summary>
    private static KernelInput ReadImage(ReadOnlyMemory<byte> upload, string? fileName, string what, long maxDecompressedBytes)
    {
        KernelIngestResult r;
        try
        {
            r = KernelIngest.Read(upload, fileName, IngestLimits.Default.WithDecompressionBudget(maxDecompressedBytes));
        }
        catch (BpfFormatException e) when (IngestLimits.IsLimitExceeded(e))
        {
            throw new UploadTooLargeException($"{what}: {e.Message}");
        }
        return new KernelInput(r.VmlinuxBtf, r.Modules.Select(m => KeyValuePair.Create(m.Name, m.Btf)).ToList(), r.Form,
            r.Release, r.Arch, r.Flavour, Distro: r.Form == "deb" ? "debian" : null, r.Config, r.KfuncFlags);
    }

    public static bool IsBtf(ReadOnlySpan<byte> b) =>
        b.Length >= 2 && ((b[0] == 0x9f && b[1] == 0xeb) || (b[0] == 0xeb && b[1] == 0x9f));

    public static bool IsElf(ReadOnlySpan<byte> b) =>
        b.Length >= 4 && b[0] == 0x7f && b[1] == (byte)'E' && b[2] == (byte)'L' && b[3] == (byte)'F';

    private static string FormOf(ReadOnlySpan<byte> b) => IsBtf(b) ? "raw-btf" : "elf";

    /// <summary>Debian arch name from e_machine (bounds-checked; null when unknown).</summary>
    public static string? ElfArch(ReadOnlySpan<byte> b)
    {
        if (b.Length < 20) return null;
        var machine = b[5] == 2 ? BinaryPrimitives.ReadUInt16BigEndian(b[18..]) : BinaryPrimitives.ReadUInt16LittleEndian(b[18..]);
        return machine switch
        {
            62 => "amd64", 183 => "arm64", 3 => "i386", 40 => "armhf", 243 => "riscv64", 22 => "s390x", 21 => "ppc64el",
            _ => null,
        };
    }
}
