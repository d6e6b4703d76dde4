using System.Buffers.Binary;
using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Elf;
using CompatService.Engine.Kernels;

namespace CompatService.Kernels;

/// <summary>What a kernel image yields: its BTF, where its .BTF_ids bytes are, and what it says about itself.</summary>
public sealed class KernelImage
{
    private KernelImage(string form, string? compression, ReadOnlyMemory<byte> image, ReadOnlyMemory<byte> btf, Endian endian,
        ReadOnlyMemory<byte> btfIds, string? release, string? arch, string? banner)
    {
        Form = form; Compression = compression; Image = image; Btf = btf; Endian = endian; BtfIds = btfIds;
        Release = release; Arch = arch; Banner = banner;
    }

    /// <summary>"bzImage", "arm64-image", "vmlinux".</summary>
    public string Form { get; }
    /// <summary>Compression of the payload ("xz", "zstd", ...), or null when the image was not compressed.</summary>
    public string? Compression { get; }
    /// <summary>The decompressed image (vmlinux ELF or raw arm64 Image).</summary>
    public ReadOnlyMemory<byte> Image { get; }
    /// <summary>The raw vmlinux BTF (a slice of <see cref="Image"/>).</summary>
    public ReadOnlyMemory<byte> Btf { get; }
    public Endian Endian { get; }
    /// <summary>The <c>.BTF_ids</c> section, or for a raw Image the window after the .BTF blob that holds it.</summary>
    public ReadOnlyMemory<byte> BtfIds { get; }
    /// <summary>`uname -r` from the "Linux version" banner, or null.</summary>
    public string? Release { get; }
    /// <summary>Debian architecture name (amd64, arm64, ...), or null.</summary>
    public string? Arch { get; }
    /// <summary>The whole "Linux version ..." banner line, or null.</summary>
    public string? Banner { get; }

    /// <summary>Size of the window scanned for kfunc sets after the BTF blob of a raw Image.</summary>
    public const int RawImageBtfIdsWindow = 32 * 1024;

    private const int ArmImageMagicOffset = 0x38;
    private const uint ArmImageMagic = 0x644d5241; // "ARM\x64"

    public static bool IsBzImage(ReadOnlySpan<byte> d) =>
        d.Length >= 0x250 && d[0x1fe] == 0x55 && d[0x1ff] == 0xaa && d.Slice(0x202, 4).SequenceEqual("HdrS"u8);

    public static bool IsArm64Image(ReadOnlySpan<byte> d) =>
        d.Length >= 0x40 && BinaryPrimitives.ReadUInt32LittleEndian(d[ArmImageMagicOffset..]) == ArmImageMagic;

    /// <summary>Reads a kernel image in any supported form (bzImage, Image.gz / Image, vmlinux ELF, or one of them compressed).</summary>
    public static KernelImage Read(ReadOnlyMemory<byte> data, IngestLimits? limits = null)
    {
        limits ??= IngestLimits.Default;
        var span = data.Span;
        if (IsBzImage(span)) return ReadBzImage(data, limits);
        if (ElfFile.IsElf(span)) return FromVmlinux(data, "vmlinux", null);
        if (IsArm64Image(span)) return FromRawImage(data, "arm64-image", null);
        var kind = Kernels.Compression.Detect(span);
        if (kind != CompressionKind.None)
        {
            var inner = Kernels.Compression.Decompress(kind, data, limits.MaxImageBytes, "kernel image");
            var c = Kernels.Compression.Name(kind);
            if (ElfFile.IsElf(inner)) return FromVmlinux(inner, "vmlinux", c);
            if (IsArm64Image(inner)) return FromRawImage(inner, "arm64-image", c);
            throw new BpfFormatException($"{c}-compressed data is neither a vmlinux ELF nor an arm64 Image", 0);
        }
        throw new BpfFormatException("not a kernel image (no bzImage header, ELF magic or arm64 Image magic)", 0);
    }

    /// <summary>
    /// x86 boot protocol: setup_sects at 0x1f1 (0 means 4), "HdrS" at 0x202, version at 0x206, payload_offset / payload_length
    /// at 0x248 / 0x24c (protocol ≥ 2.08), relative to the protected-mode code at (setup_sects + 1) * 512.
    /// </summary>
    private static KernelImage ReadBzImage(ReadOnlyMemory<byte> data, IngestLimits limits)
    {
        var d = data.Span;
        var version = BinaryPrimitives.ReadUInt16LittleEndian(d[0x206..]);
        if (version < 0x0208) throw new BpfFormatException($"bzImage boot protocol {version >> 8}.{version & 0xff} has no payload fields (needs ≥ 2.08)", 0x206);
        int setupSects = d[0x1f1];
        if (setupSects == 0) setupSects = 4;
        var pmStart = (setupSects + 1L) * 512;
        var payloadOffset = BinaryPrimitives.ReadUInt32LittleEndian(d[0x248..]);
        var payloadLength = BinaryPrimitives.ReadUInt32LittleEndian(d[0x24c..]);
        var payload = Bounds.Slice(data, pmStart + payloadOffset, payloadLength, "bzImage payload");
        var kind = Kernels.Compression.Detect(payload.Span);
        if (kind == CompressionKind.None)
            throw new BpfFormatException("bzImage payload: unknown compression", pmStart + payloadOffset);
        // Every compressor but gzip is followed by the 4-byte decompressed size (scripts/Makefile.lib size_append).
        var stream = payload;
        // gzip's ISIZE or the size_append trailer: both are the last 4 bytes, little-endian.
        long? declaredSize = payload.Length > 4 ? BinaryPrimitives.ReadUInt32LittleEndian(payload.Span[^4..]) : null;
        if (kind != CompressionKind.Gzip && payload.Length > 4)
        {
            var declared = declaredSize!.Value;
            if (declared > limits.MaxImageBytes)
                throw new InputLimitException($"bzImage payload declares {declared} decompressed bytes, more than the limit of {limits.MaxImageBytes} (refused)", limits.MaxImageBytes, pmStart + payloadOffset + payload.Length - 4);
            if (kind != CompressionKind.Lz4Legacy) stream = payload[..^4];
        }
        var vmlinux = Kernels.Compression.Decompress(kind, stream, limits.MaxImageBytes, $"bzImage {Kernels.Compression.Name(kind)} payload", declaredSize);
        if (!ElfFile.IsElf(vmlinux)) throw new BpfFormatException("bzImage payload did not decompress to a vmlinux ELF", pmStart + payloadOffset);
        var image = FromVmlinux(vmlinux, "bzImage", Kernels.Compression.Name(kind));
        return image.Release is null ? image.WithRelease(SetupHeaderVersion(d)) : image;
    }

    private KernelImage WithRelease(string? release) =>
        new(Form, Compression, Image, Btf, Endian, BtfIds, release, Arch, Banner) { _sections = _sections };

    /// <summary>(file offset, size, virtual address) of the ELF's allocated sections; empty for a raw Image.</summary>
    private (ulong Offset, ulong Size, ulong Address)[] _sections = [];

    /// <summary>The virtual address of a file offset of a vmlinux ELF (null for a raw Image or an unmapped offset).</summary>
    public ulong? AddressOf(long fileOffset)
    {
        foreach (var (offset, size, address) in _sections)
            if (fileOffset >= 0 && (ulong)fileOffset >= offset && (ulong)fileOffset - offset < size) return address + ((ulong)fileOffset - offset);
        return null;
    }

    /// <summary>
    /// The image's own kallsyms (<see cref="KallsymsDecoder"/>), or null with the reason when the image has none that
    /// can be read; a malformed table is a reason too, not an error: the BTF of the image is still good.
    /// </summary>
    public KallsymsTable? DecodeKallsyms(out string? why)
    {
        try
        {
            return KallsymsDecoder.TryDecode(Image, out why, _sections.Length > 0 ? AddressOf : null);
        }
        catch (BpfFormatException e)
        {
            why = $"kallsyms unreadable: {e.Message}";
            return null;
        }
    }

    /// <summary>The kernel_version string the setup header points to (0x20e, relative to 0x200): "6.1.0-56-amd64 (...) #1 ...".</summary>
    private static string? SetupHeaderVersion(ReadOnlySpan<byte> d)
    {
        var ptr = BinaryPrimitives.ReadUInt16LittleEndian(d[0x20e..]);
        if (ptr == 0 || ptr + 0x200 >= d.Length) return null;
        var s = d[(ptr + 0x200)..];
        var end = s.IndexOfAny((byte)' ', (byte)0);
        return end <= 0 ? null : Encoding.ASCII.GetString(s[..Math.Min(end, 128)]);
    }

    private static KernelImage FromVmlinux(ReadOnlyMemory<byte> data, string form, string? compression)
    {
        var elf = ElfFile.Parse(data);
        var btf = elf.FindSection(".BTF") ?? throw new BpfFormatException("vmlinux has no .BTF section (kernel built without CONFIG_DEBUG_INFO_BTF)", 0);
        if (btf.IsNoBits || btf.Data.Length < RawBtfLocator.MinHeaderLength) throw new BpfFormatException(".BTF section is empty", (long)btf.Offset, ".BTF");
        var ids = elf.FindSection(".BTF_ids");
        var (release, banner) = FindBanner(data.Span);
        return new KernelImage(form, compression, data, btf.Data, elf.Endian, ids?.Data ?? ReadOnlyMemory<byte>.Empty,
            release, ArchOfElf(elf), banner)
        {
            _sections = elf.Sections.Where(x => x.IsAlloc && !x.IsNoBits && x.Size > 0).Select(x => (x.Offset, x.Size, x.Address)).ToArray(),
        };
    }

    private static KernelImage FromRawImage(ReadOnlyMemory<byte> data, string form, string? compression)
    {
        var loc = RawBtfLocator.FindLargest(data.Span) ?? throw new BpfFormatException("no BTF blob found in the raw kernel Image (kernel built without CONFIG_DEBUG_INFO_BTF?)", 0);
        var btf = data.Slice((int)loc.Offset, (int)loc.Length);
        var idsStart = (loc.Offset + loc.Length + 3) & ~3L;
        var idsLength = Math.Min(RawImageBtfIdsWindow, Math.Max(0, data.Length - idsStart));
        var ids = idsLength > 0 ? data.Slice((int)idsStart, (int)idsLength) : ReadOnlyMemory<byte>.Empty;
        var (release, banner) = FindBanner(data.Span);
        return new KernelImage(form, compression, data, btf, loc.Endian, ids, release, "arm64", banner);
    }

    /// <summary>Debian architecture name for an ELF e_machine.</summary>
    public static string? ArchOfElf(ElfFile elf) => elf.Machine switch
    {
        62 => "amd64",
        183 => "arm64",
        3 => "i386",
        22 => "s390x",
        21 => elf.Endian.IsBig ? "ppc64" : "ppc64el",
        243 => "riscv64",
        258 => "loong64",
        _ => null,
    };

    /// <summary>The first "Linux version X (...)" banner whose release starts with a digit: (release, whole line).</summary>
    public static (string? Release, string? Banner) FindBanner(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> marker = "Linux version "u8;
        var pos = 0;
        while (pos < data.Length)
        {
            var hit = data[pos..].IndexOf(marker);
            if (hit < 0) break;
            var start = pos + hit + marker.Length;
            var rest = data[start..];
            if (rest.Length > 0 && rest[0] is >= (byte)'0' and <= (byte)'9')
            {
                var lineEnd = rest.IndexOfAny((byte)'\n', (byte)0);
                var line = rest[..(lineEnd < 0 ? Math.Min(rest.Length, 512) : Math.Min(lineEnd, 512))];
                var space = line.IndexOf((byte)' ');
                var release = Encoding.ASCII.GetString(space < 0 ? line : line[..space]);
                if (release.Length is > 0 and <= 64 && release.All(c => c > ' ' && c < 0x7f))
                    return (release, "Linux version " + Encoding.ASCII.GetString(line).TrimEnd());
            }
            pos = start;
        }
        return (null, null);
    }
}
