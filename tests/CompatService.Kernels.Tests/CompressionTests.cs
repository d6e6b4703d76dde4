using CompatService.Tests.Shared;
using System.IO.Compression;
using CompatService.Engine.Binary;
using CompatService.Kernels;

namespace CompatService.Kernels.Tests;

public class CompressionTests
{
    [Fact]
    public void Detect_RecognisesEveryKernelCompressor()
    {
        Assert.Equal(CompressionKind.Gzip, Compression.Detect([0x1f, 0x8b, 8, 0]));
        Assert.Equal(CompressionKind.Xz, Compression.Detect([0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0]));
        Assert.Equal(CompressionKind.Zstd, Compression.Detect([0x28, 0xb5, 0x2f, 0xfd]));
        Assert.Equal(CompressionKind.Lz4Legacy, Compression.Detect([0x02, 0x21, 0x4c, 0x18]));
        Assert.Equal(CompressionKind.Bzip2, Compression.Detect("BZh9"u8));
        Assert.Equal(CompressionKind.Lzma, Compression.Detect([0x5d, 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
        Assert.Equal(CompressionKind.None, Compression.Detect([0x7f, (byte)'E', (byte)'L', (byte)'F']));
    }

    [Fact]
    public void GzipBomb_IsRefusedAtTheLimit()
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
            gz.Write(new byte[8 << 20]);
        var bomb = ms.ToArray();
        Assert.True(bomb.Length < 64 * 1024);

        var e = Assert.Throws<InputLimitException>(() => Compression.Decompress(bomb, 1 << 20, "test input"));
        Assert.Contains("more than the limit of 1048576 bytes", e.Message);
        // Under a larger limit the same 8 KiB still may not expand 1000x: refused by ratio (Compression.MaxRatio).
        var ratio = Assert.Throws<InputLimitException>(() => Compression.Decompress(bomb, 16 << 20, "test input"));
        Assert.Contains("refused as a decompression bomb", ratio.Message);
        // Data that compresses like real data (here ~2x) decodes up to the caller's limit.
        var rng = new Random(1);
        var plain = new byte[4 << 20];
        for (var i = 0; i < plain.Length; i++) plain[i] = (byte)rng.Next(16);
        using var packed = new MemoryStream();
        using (var gz = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(plain);
        Assert.Equal(plain, Compression.Decompress(packed.ToArray(), 16 << 20, "test input"));
    }

    [Fact]
    public void CorruptGzip_IsAFormatError_NotADecoderException()
    {
        var gz = KernelTestData.ReadSynthetic("vmlinux.btf.gz");
        gz[gz.Length / 2] ^= 0xff;
        gz[gz.Length / 2 + 1] ^= 0x55;
        Assert.Throws<BpfFormatException>(() => Compression.Decompress(gz, 1 << 20, "btf.gz"));
    }

    [Fact]
    public void UnknownMagic_IsAFormatError()
    {
        var e = Assert.Throws<BpfFormatException>(() => Compression.Decompress(new byte[] { 1, 2, 3, 4, 5, 6 }, 100, "blob"));
        Assert.Contains("unknown compression", e.Message);
    }

    [Fact]
    public void XzIndex_GivesTheUncompressedSize()
    {
        var bz = KernelTestData.ReadSynthetic("bzImage.xz");
        var payloadLength = BitConverter.ToInt32(bz, 0x24c);
        var xz = bz.AsSpan(1024 + 0x40, payloadLength - 4);
        Assert.Equal(824, XzIndex.UncompressedSize(xz));
        Assert.Null(XzIndex.UncompressedSize(xz[..^2]));
    }
}
