using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;

namespace CompatService.Engine.Kernels;

/// <summary>
/// Kernel BTF from bytes (no files): raw BTF in either byte order, gzip'd raw BTF, or an ELF (vmlinux or module .ko)
/// whose <c>.BTF</c> section is used. Compressed kernel images (vmlinuz, zstd/xz) are unpacked elsewhere.
/// </summary>
public static class KernelBtfReader
{
    /// <summary>Upper bound for a decompressed input (a vmlinux ELF is ~60–400 MB).</summary>
    public const long MaxDecompressedSize = 1L << 30;

    private static ReadOnlySpan<byte> Banner => "Linux version "u8;

    /// <summary>What kind of input the bytes are.</summary>
    public enum InputKind { Unknown, RawBtf, Gzip, Elf }

    public static InputKind Detect(ReadOnlySpan<byte> data)
    {
        if (BtfHeader.DetectEndian(data) is not null) return InputKind.RawBtf;
        if (data.Length >= 2 && data[0] == 0x1f && data[1] == 0x8b) return InputKind.Gzip;
        if (ElfFile.IsElf(data)) return InputKind.Elf;
        return InputKind.Unknown;
    }

    /// <summary>The raw BTF bytes of the input (a slice of it for raw BTF and ELF; a new buffer for gzip).</summary>
    public static ReadOnlyMemory<byte> ExtractRawBtf(ReadOnlyMemory<byte> input, string? what = null) =>
        Extract(input, what ?? "kernel BTF", out _);

    /// <summary>Decompresses gzip (once) and returns what is inside, or the input itself when it is not gzip'd.</summary>
    public static ReadOnlyMemory<byte> Unwrap(ReadOnlyMemory<byte> input, string? what = null) =>
        Detect(input.Span) == InputKind.Gzip ? Gunzip(input, what ?? "input") : input;

    private static ReadOnlyMemory<byte> Extract(ReadOnlyMemory<byte> input, string what, out ReadOnlyMemory<byte> container)
    {
        container = Unwrap(input, what);
        switch (Detect(container.Span))
        {
            case InputKind.RawBtf:
                return container;
            case InputKind.Elf:
            {
                var elf = ElfFile.Parse(container);
                var btf = elf.FindSection(".BTF") ?? throw new BpfFormatException($"{what}: ELF file has no .BTF section", 0);
                if (btf.IsNoBits || btf.Data.IsEmpty) throw new BpfFormatException($"{what}: ELF .BTF section is empty", (long)Math.Min(btf.Offset, long.MaxValue), ".BTF");
                return btf.Data;
            }
            case InputKind.Gzip:
                throw new BpfFormatException($"{what}: gzip inside gzip is not supported", 0);
            default:
                throw new BpfFormatException($"{what}: not raw BTF, gzip'd BTF or an ELF with .BTF (starts with {Hex(container.Span)})", 0);
        }
    }

    private static string Hex(ReadOnlySpan<byte> data) => data.Length == 0 ? "nothing" : Convert.ToHexStringLower(data[..Math.Min(4, data.Length)]);

    private static byte[] Gunzip(ReadOnlyMemory<byte> input, string what)
    {
        try
        {
            using var source = MemoryMarshal.TryGetArray(input, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(input.ToArray(), writable: false);
            using var gz = new GZipStream(source, CompressionMode.Decompress);
            // A first guess only (64-bit arithmetic: input.Length * 4 overflowed int for 512 MiB-1 GiB inputs); the
            // stream grows as real output arrives, never to a size the input declares.
            using var output = new MemoryStream(GunzipInitialCapacity(input.Length));
            var buffer = new byte[81920];
            int n;
            while ((n = gz.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + n > MaxDecompressedSize)
                    throw new BpfFormatException($"{what}: gzip data expands beyond {MaxDecompressedSize} bytes", 0);
                output.Write(buffer, 0, n);
            }
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new BpfFormatException($"{what}: corrupt gzip data: {e.Message}", 0, inner: e);
        }
        catch (EndOfStreamException e)
        {
            throw new BpfFormatException($"{what}: truncated gzip data", 0, inner: e);
        }
    }

    /// <summary>First capacity of the gunzip output: 4x the input, at most 16 MiB (computed in 64 bits).</summary>
    internal static int GunzipInitialCapacity(long inputLength) => (int)Math.Clamp(inputLength * 4L, 0, 16L << 20);

    /// <summary>The release from a "Linux version X ..." banner inside an image or ELF, or null.</summary>
    public static string? TryReadRelease(ReadOnlySpan<byte> data)
    {
        var from = 0;
        while (from < data.Length)
        {
            var at = data[from..].IndexOf(Banner);
            if (at < 0) return null;
            var start = from + at + Banner.Length;
            var end = start;
            while (end < data.Length && end - start < 128 && data[end] > 0x20 && data[end] < 0x7f) end++;
            // The banner is "Linux version <release> (<builder>) ...": the release starts with a digit, a space follows.
            if (end > start && end < data.Length && data[end] == (byte)' ' && data[start] is >= (byte)'0' and <= (byte)'9')
                return Encoding.ASCII.GetString(data[start..end]);
            from = start;
        }
        return null;
    }

    /// <summary>sha256 (lower-case hex) of the raw BTF bytes.</summary>
    public static string Sha256(ReadOnlySpan<byte> raw) => Convert.ToHexStringLower(SHA256.HashData(raw));

    /// <summary>
    /// A kernel from its vmlinux BTF (raw, gzip'd or ELF) and optional module BTFs (same forms; split BTF on the vmlinux,
    /// kept in the order given). The release is taken from the argument, else from a banner when the input is an ELF.
    /// <paramref name="config"/> is the kernel's parsed config (<see cref="KernelConfig.Parse"/>) when known. Every BTF type
    /// parsed (vmlinux and modules) is charged to <paramref name="budget"/> when given.
    /// </summary>
    public static KernelBtfSet Open(ReadOnlyMemory<byte> vmlinux, IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>>? modules = null,
        string? release = null, IReadOnlyDictionary<string, uint>? kfuncFlags = null, IReadOnlyDictionary<string, string>? config = null,
        AnalysisBudget? budget = null, KallsymsTable? kallsyms = null, Func<KallsymsTable?>? readKallsyms = null)
    {
        var raw = Extract(vmlinux, "vmlinux", out var container);
        var spec = BtfSpec.Parse(raw, null, ".BTF", budget);
        if (release is null && Detect(container.Span) == InputKind.Elf) release = TryReadRelease(container.Span);
        var list = new List<ModuleBtf>();
        if (modules is not null)
        {
            foreach (var (name, bytes) in modules)
            {
                var moduleRaw = Extract(bytes, $"module '{name}'", out _);
                list.Add(new ModuleBtf(name, BtfSpec.Parse(moduleRaw, spec, $".BTF ({name})", budget)));
            }
        }
        return new KernelBtfSet(spec, list, Sha256(raw.Span), release, kfuncFlags, config, kallsyms, readKallsyms: readKallsyms);
    }
}
