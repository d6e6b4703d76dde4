using System.Buffers.Binary;
using System.IO.Compression;
using CompatService.Engine.Binary;
using K4os.Compression.LZ4;
using SharpCompress.Compressors.BZip2;
using SharpCompress.Compressors.LZMA;
using SharpCompress.Compressors.Xz;
using ZstdSharp;

namespace CompatService.Kernels;

/// <summary>Compression formats found in kernel images and packages.</summary>
public enum CompressionKind { None, Gzip, Xz, Zstd, Lz4Legacy, Bzip2, Lzma }

/// <summary>
/// Detects a compression format by magic and decompresses with a hard output limit
/// (a decompression bomb is refused with a <see cref="BpfFormatException"/>).
/// </summary>
public static class Compression
{
    /// <summary>Legacy LZ4 frame magic ("lz4 -l", what the kernel's LZ4 images use), little-endian.</summary>
    public const uint Lz4LegacyMagic = 0x184C2102;
    private const int Lz4LegacyBlockMax = 8 << 20;
    /// <summary>Largest output/input ratio for which a declared output size is allocated up front.</summary>
    private const long MaxTrustedRatio = 32;
    /// <summary>
    /// Largest output/input ratio decoded at all. Real kernel payloads compress 3–10x (BTF, vmlinux, configs, packages);
    /// bzip2, lzma/xz and zstd turn 177 bytes / 30 KiB / 6 KiB into 200 MiB of zeros, seconds of CPU and hundreds of MiB
    /// before the size limit stops them. Above this ratio (or <see cref="RatioFloor"/> for tiny inputs) the stream is a
    /// bomb. 256x keeps the work per input byte small (and the output, beside a decoder's own dictionary, within issue
    /// 11's 64x-plus-allowance bound) with a 25x margin over real data.
    /// </summary>
    public const long MaxRatio = 256;
    /// <summary>Output always allowed whatever the ratio (tiny inputs: headers, test payloads).</summary>
    public const long RatioFloor = 1 << 20;

    public static CompressionKind Detect(ReadOnlySpan<byte> d)
    {
        if (d.Length >= 2 && d[0] == 0x1f && (d[1] == 0x8b || d[1] == 0x9e)) return CompressionKind.Gzip;
        if (d.Length >= 6 && d[0] == 0xfd && d[1] == (byte)'7' && d[2] == (byte)'z' && d[3] == (byte)'X' && d[4] == (byte)'Z' && d[5] == 0) return CompressionKind.Xz;
        if (d.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(d) == 0xFD2FB528) return CompressionKind.Zstd;
        if (d.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(d) == Lz4LegacyMagic) return CompressionKind.Lz4Legacy;
        if (d.Length >= 4 && d[0] == (byte)'B' && d[1] == (byte)'Z' && d[2] == (byte)'h' && d[3] is >= (byte)'1' and <= (byte)'9') return CompressionKind.Bzip2;
        // lzma "alone": properties byte (lc/lp/pb, < 225; the kernel's is 0x5d), dictionary size, 8-byte size (often -1).
        if (d.Length >= 13 && d[0] == 0x5d && d[1] == 0 && d[2] == 0) return CompressionKind.Lzma;
        return CompressionKind.None;
    }

    public static string Name(CompressionKind kind) => kind switch
    {
        CompressionKind.Gzip => "gzip",
        CompressionKind.Xz => "xz",
        CompressionKind.Zstd => "zstd",
        CompressionKind.Lz4Legacy => "lz4",
        CompressionKind.Bzip2 => "bzip2",
        CompressionKind.Lzma => "lzma",
        _ => "none",
    };

    /// <summary>Decompresses <paramref name="data"/> (format by magic) into at most <paramref name="maxOutput"/> bytes.</summary>
    /// <param name="what">what is being decompressed, for messages ("bzImage payload", "data.tar.xz").</param>
    public static byte[] Decompress(ReadOnlyMemory<byte> data, long maxOutput, string what)
    {
        var kind = Detect(data.Span);
        if (kind == CompressionKind.None) throw new BpfFormatException($"{what}: unknown compression (magic {Hex(data.Span)})", 0);
        return Decompress(kind, data, maxOutput, what);
    }

    /// <param name="sizeHint">expected output size (e.g. a bzImage's size trailer): preallocated when it is within the limit.</param>
    public static byte[] Decompress(CompressionKind kind, ReadOnlyMemory<byte> data, long maxOutput, string what, long? sizeHint = null)
    {
        var (limit, byRatio) = OutputLimit(data.Length, maxOutput);
        try { return DecompressWithin(kind, data, limit, what, sizeHint); }
        catch (InputLimitException e) when (byRatio && e.Limit == limit) { throw RatioBomb(what, kind, data.Length, limit); }
    }

    /// <summary>The output allowed for <paramref name="inputLength"/> bytes: the caller's limit, or less by <see cref="MaxRatio"/>.</summary>
    public static (long Limit, bool ByRatio) OutputLimit(long inputLength, long maxOutput)
    {
        var byRatio = Math.Max(RatioFloor, MaxRatio * inputLength);
        return byRatio < maxOutput ? (byRatio, true) : (maxOutput, false);
    }

    private static InputLimitException RatioBomb(string what, CompressionKind kind, long inputLength, long limit) =>
        new($"{what}: {Name(kind)} data of {inputLength} bytes expands past {limit} bytes (more than {MaxRatio}x; real kernel data " +
            "compresses 3-10x): refused as a decompression bomb", limit, 0);

    private static byte[] DecompressWithin(CompressionKind kind, ReadOnlyMemory<byte> data, long maxOutput, string what, long? sizeHint)
    {
        if (kind == CompressionKind.Lz4Legacy) return DecompressLz4Legacy(data.Span, maxOutput, what);
        return Guard(kind, what, () =>
        {
            using var decoder = OpenDecoder(kind, data, maxOutput, what);
            // SharpCompress's x86 BCJ filter corrupts data at read-buffer boundaries (seen on real kernel payloads:
            // "Block check corrupt" with 64 KiB reads, correct with one read of the whole output). The xz index says
            // how large the output is, so read it in one call.
            if (kind == CompressionKind.Xz && XzIndex.UncompressedSize(data.Span) is { } size)
            {
                if (size > maxOutput) throw Bomb(what, kind, maxOutput);
                // The index is a claim: allocate it in one piece only within a plausible ratio (real kernel payloads
                // compress 3-10x); a 780-byte xz claiming 250 MiB is decoded as a stream and fails on the real data.
                if (size <= MaxTrustedRatio * (long)data.Length) return ReadExactSize(decoder, (int)size, what, kind);
                var streamed = CopyLimited(decoder, Math.Min(size, maxOutput), what, kind);
                if (streamed.Length != size) throw new BpfFormatException($"{what}: {Name(kind)} data ends after {streamed.Length} of {size} bytes its index declares", 0);
                return streamed;
            }
            // Trust a hint only up to a plausible ratio, so a forged trailer cannot make us allocate the whole budget.
            var hint = sizeHint <= MaxTrustedRatio * (long)data.Length ? sizeHint : null;
            return CopyLimited(decoder, maxOutput, what, kind, hint);
        });
    }

    /// <summary>
    /// A streaming decoder over <paramref name="data"/> that throws a BpfFormatException past <paramref name="maxOutput"/>
    /// bytes. Reads from it may throw decoder exceptions: wrap the consumer in <see cref="Guard{T}"/>.
    /// </summary>
    public static Stream OpenLimited(CompressionKind kind, ReadOnlyMemory<byte> data, long maxOutput, string what)
    {
        if (kind == CompressionKind.None) return new LimitedReadStream(new ReadOnlyMemoryStream(data), maxOutput, what);
        if (kind == CompressionKind.Lz4Legacy)
            return new ReadOnlyMemoryStream(Decompress(kind, data, maxOutput, what));
        var (limit, byRatio) = OutputLimit(data.Length, maxOutput);
        return new LimitedReadStream(Guard(kind, what, () => OpenDecoder(kind, data, limit, what)), limit, what,
            byRatio ? () => RatioBomb(what, kind, data.Length, limit) : null);
    }

    /// <summary>Runs <paramref name="body"/>, turning decoder exceptions into a BpfFormatException naming <paramref name="what"/>.</summary>
    public static T Guard<T>(CompressionKind kind, string what, Func<T> body)
    {
        try { return body(); }
        catch (BpfFormatException) { throw; }
        catch (Exception e) when (IsDecoderFailure(e))
        {
            throw new BpfFormatException($"{what}: corrupt {Name(kind)} data: {e.Message}", null, null, null, e);
        }
    }

    /// <summary>Exceptions decoders and archive readers throw on corrupt input.</summary>
    public static bool IsDecoderFailure(Exception e) =>
        e is InvalidDataException or IOException or InvalidOperationException or ArgumentException or FormatException
            or IndexOutOfRangeException or NotSupportedException or OverflowException or EndOfStreamException
            or ZstdException or SharpCompress.Common.SharpCompressException;

    private static Stream OpenDecoder(CompressionKind kind, ReadOnlyMemory<byte> data, long maxOutput, string what)
    {
        // Range decoders (lzma, xz's lzma2, bzip2) do not notice the end of their input by themselves: the stream does.
        var input = new ReadOnlyMemoryStream(data, kind is CompressionKind.Lzma or CompressionKind.Bzip2 or CompressionKind.Xz
            ? $"{what}: {Name(kind)} data ends before its end marker (truncated or corrupt)" : null);
        return kind switch
        {
            CompressionKind.Gzip => new GZipStream(input, CompressionMode.Decompress),
            CompressionKind.Xz => new XZStream(input),
            CompressionKind.Zstd => new DecompressionStream(input, 1 << 17, checkEndOfStream: false, leaveOpen: false),
            CompressionKind.Bzip2 => BZip2Stream.Create(input, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: false, leaveOpen: false, tolerateTruncatedStream: false),
            CompressionKind.Lzma => OpenLzmaAlone(input, data.Span, maxOutput, what),
            _ => throw new BpfFormatException($"{what}: no decoder for {Name(kind)}", 0),
        };
    }

    /// <summary>
    /// An lzma "alone" stream. Its header declares the dictionary the decoder allocates up front (up to 4 GiB): never
    /// trusted. A match can reach back at most as far as the output written so far, so a dictionary as large as the
    /// output limit decodes every stream the limit admits; the declared size is clamped to it (at least 4 KiB, lzma's
    /// minimum). A declared output size over the limit is refused before decoding.
    /// </summary>
    private static LzmaStream OpenLzmaAlone(Stream input, ReadOnlySpan<byte> d, long maxOutput, string what)
    {
        if (d.Length < 13) throw new BpfFormatException($"{what}: lzma header truncated", 0);
        var props = d[..5].ToArray();
        var declaredDictionary = BinaryPrimitives.ReadUInt32LittleEndian(props.AsSpan(1));
        var dictionary = (uint)Math.Clamp(Math.Min(declaredDictionary, maxOutput), 4096, uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(props.AsSpan(1), dictionary);
        var size = BinaryPrimitives.ReadInt64LittleEndian(d[5..]);
        if (size > maxOutput) throw Bomb(what, CompressionKind.Lzma, maxOutput);
        input.Position = 13;
        return LzmaStream.Create(props, input, d.Length - 13, size < 0 ? -1 : size, leaveOpen: false);
    }

    private static byte[] ReadExactSize(Stream decoder, int size, string what, CompressionKind kind)
    {
        var output = new byte[size];
        var total = 0;
        int n;
        while (total < size && (n = decoder.Read(output, total, size - total)) > 0) total += n;
        if (total < size) throw new BpfFormatException($"{what}: {Name(kind)} data ends after {total} of {size} bytes", 0);
        if (decoder.Read(new byte[1], 0, 1) > 0) throw new BpfFormatException($"{what}: {Name(kind)} data longer than its index says ({size} bytes)", 0);
        return output;
    }

    /// <summary>Copies a decoder's output, refusing to go past <paramref name="maxOutput"/> bytes.</summary>
    private static byte[] CopyLimited(Stream decoder, long maxOutput, string what, CompressionKind kind, long? sizeHint = null)
    {
        var capacity = sizeHint is > 0 and <= int.MaxValue && sizeHint <= maxOutput ? (int)sizeHint.Value : 0;
        using var output = new MemoryStream(capacity);
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = decoder.Read(buffer, 0, buffer.Length)) > 0)
        {
            total += n;
            if (total > maxOutput) throw Bomb(what, kind, maxOutput);
            output.Write(buffer, 0, n);
        }
        // No second copy when the hint was exact (the usual case for kernel payloads).
        return output.Length == output.Capacity ? output.GetBuffer() : output.ToArray();
    }

    /// <summary>
    /// The kernel's legacy LZ4 format: magic, then blocks of <c>u32 compressed size</c> + LZ4 block (each decoding to
    /// at most 8 MiB); a repeated magic starts a new frame; anything shorter than a block header at the end
    /// (the kernel appends the 4-byte decompressed size) ends the stream.
    /// </summary>
    private static byte[] DecompressLz4Legacy(ReadOnlySpan<byte> d, long maxOutput, string what)
    {
        using var output = new MemoryStream();
        // LZ4 expands a block at most ~255x: size the buffer by the input, not by the format's 8 MiB maximum.
        var block = new byte[(int)Math.Min(Lz4LegacyBlockMax, 255L * d.Length + 64)];
        long pos = 4, total = 0;
        while (pos + 4 <= d.Length)
        {
            var size = BinaryPrimitives.ReadUInt32LittleEndian(d[(int)pos..]);
            if (size == Lz4LegacyMagic) { pos += 4; continue; }
            if (size > d.Length - pos - 4)
            {
                if (d.Length - pos == 4) break; // trailing decompressed-size word
                throw new BpfFormatException($"{what}: lz4 block of {size} bytes beyond end of data", pos);
            }
            var n = LZ4Codec.Decode(d.Slice((int)pos + 4, (int)size), block);
            if (n < 0) throw new BpfFormatException($"{what}: corrupt lz4 block", pos);
            total += n;
            if (total > maxOutput) throw Bomb(what, CompressionKind.Lz4Legacy, maxOutput);
            output.Write(block, 0, n);
            pos += 4 + size;
        }
        return output.ToArray();
    }

    private static InputLimitException Bomb(string what, CompressionKind kind, long max) =>
        new($"{what}: {Name(kind)} data decompresses to more than the limit of {max} bytes: refused as a decompression bomb", max, 0);

    private static string Hex(ReadOnlySpan<byte> d) => Convert.ToHexString(d[..Math.Min(6, d.Length)]).ToLowerInvariant();
}

/// <summary>
/// A read-only, seekable stream over memory (no copy). With <paramref name="truncationMessage"/>, reading on at the end
/// throws after a few tries: a range decoder (lzma, bzip2) that runs out of input reads "bytes" past the end and goes on
/// producing output from them, so 17 bytes of lzma would otherwise decode to the whole output budget (hundreds of MiB,
/// seconds of CPU) before any limit stops it. A well-formed stream never reads past its end.
/// </summary>
internal sealed class ReadOnlyMemoryStream(ReadOnlyMemory<byte> data, string? truncationMessage = null) : Stream
{
    private const int ReadsPastEndAllowed = 16;
    private long _position;
    private int _readsPastEnd;
    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => data.Length;
    public override long Position
    {
        get => _position;
        set => _position = value < 0 || value > data.Length ? throw new ArgumentOutOfRangeException(nameof(value)) : value;
    }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, data.Length - _position);
        if (n <= 0)
        {
            if (truncationMessage is not null && buffer.Length > 0 && ++_readsPastEnd > ReadsPastEndAllowed)
                throw new BpfFormatException(truncationMessage, data.Length);
            return 0;
        }
        data.Span.Slice((int)_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch { SeekOrigin.Begin => offset, SeekOrigin.Current => _position + offset, _ => data.Length + offset };
        return _position;
    }
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
