using CompatService.Tests.Shared;
using System.Buffers.Binary;
using CompatService.Engine.Binary;
using CompatService.Kernels;

namespace CompatService.Kernels.Tests;

public class KernelImageTests
{
    private const string Release = "6.99.0-1-cloud-amd64";

    public static TheoryData<string, string> BzImages => new()
    {
        { "bzImage.gzip", "gzip" }, { "bzImage.xz", "xz" }, { "bzImage.zstd", "zstd" },
        { "bzImage.lz4", "lz4" }, { "bzImage.bzip2", "bzip2" }, { "bzImage.lzma", "lzma" },
    };

    [Theory]
    [MemberData(nameof(BzImages))]
    public void BzImage_AnyPayloadCompression_YieldsVmlinuxBtfAndBanner(string file, string compression)
    {
        var image = KernelImage.Read(KernelTestData.ReadSynthetic(file));

        Assert.Equal("bzImage", image.Form);
        Assert.Equal(compression, image.Compression);
        Assert.True(image.Image.Span.SequenceEqual(KernelTestData.ReadSynthetic("vmlinux.elf")));
        Assert.True(image.Btf.Span.SequenceEqual(KernelTestData.ReadSynthetic("vmlinux.btf")));
        Assert.Equal(Release, image.Release);
        Assert.Equal("amd64", image.Arch);
        Assert.StartsWith("Linux version " + Release + " (synthetic", image.Banner);
        Assert.Equal(88, image.BtfIds.Length);
    }

    [Fact]
    public void Arm64ImageGz_FindsBtfByHeaderScan_SkippingADecoyHeader()
    {
        var image = KernelImage.Read(KernelTestData.ReadSynthetic("Image.gz"));

        Assert.Equal("arm64-image", image.Form);
        Assert.Equal("gzip", image.Compression);
        Assert.Equal("arm64", image.Arch);
        Assert.Equal(Release, image.Release);
        Assert.True(image.Btf.Span.SequenceEqual(KernelTestData.ReadSynthetic("vmlinux.btf")));
        Assert.Equal(KernelImage.RawImageBtfIdsWindow > image.BtfIds.Length ? image.BtfIds.Length : KernelImage.RawImageBtfIdsWindow, image.BtfIds.Length);
    }

    [Fact]
    public void PlainVmlinuxElf_ReadsBtfSection()
    {
        var image = KernelImage.Read(KernelTestData.ReadSynthetic("vmlinux.elf"));
        Assert.Equal("vmlinux", image.Form);
        Assert.Null(image.Compression);
        Assert.Equal(180, image.Btf.Length);
    }

    [Fact]
    public void BzImage_DeclaringAHugePayload_IsRefusedBeforeDecompressing()
    {
        var bytes = KernelTestData.ReadSynthetic("bzImage.xz");
        var payloadEnd = 1024 + 0x40 + (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(0x24c));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(payloadEnd - 4), 0xF000_0000);
        var e = Assert.Throws<InputLimitException>(() => KernelImage.Read(bytes));
        Assert.Contains("limit", e.Message);
    }

    [Theory]
    [InlineData("bzImage.gzip")]
    [InlineData("bzImage.xz")]
    [InlineData("bzImage.zstd")]
    [InlineData("bzImage.lz4")]
    [InlineData("bzImage.bzip2")]
    [InlineData("bzImage.lzma")]
    [InlineData("Image.gz")]
    public void DecompressedImageAboveTheLimit_IsRefusedAsABomb(string file)
    {
        var limits = new IngestLimits { MaxImageBytes = 512 };
        var e = Assert.Throws<InputLimitException>(() => KernelImage.Read(KernelTestData.ReadSynthetic(file), limits));
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void PayloadOutsideTheFile_IsAFormatError()
    {
        var bytes = KernelTestData.ReadSynthetic("bzImage.zstd");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(0x24c), 0x10_0000);
        var e = Assert.Throws<BpfFormatException>(() => KernelImage.Read(bytes));
        Assert.Contains("bzImage payload", e.Message);
    }

    [Fact]
    public void OldBootProtocol_IsRefused()
    {
        var bytes = KernelTestData.ReadSynthetic("bzImage.gzip");
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(0x206), 0x0207);
        Assert.Throws<BpfFormatException>(() => KernelImage.Read(bytes));
    }

    [Fact]
    public void Banner_TakesTheFirstLinuxVersionWithANumericRelease()
    {
        var text = "xx Linux version %s (fmt)\0Linux version 6.1.0-56-arm64 (debian-kernel@lists.debian.org) #1 SMP\n"u8;
        var (release, banner) = KernelImage.FindBanner(text);
        Assert.Equal("6.1.0-56-arm64", release);
        Assert.Equal("Linux version 6.1.0-56-arm64 (debian-kernel@lists.debian.org) #1 SMP", banner);
        Assert.Equal((null, null), KernelImage.FindBanner("no banner here"u8));
    }

    [Fact]
    public void RawBtfLocator_AcceptsOnlyHeadersWhoseSectionsFit()
    {
        var btf = KernelTestData.ReadSynthetic("vmlinux.btf");
        Assert.Equal(new BtfBlobLocation(0, btf.Length, Endian.Little), RawBtfLocator.TryHeader(btf, 0));
        Assert.Null(RawBtfLocator.TryHeader(btf.AsSpan(0, btf.Length - 1), 0));
        var padded = new byte[7].Concat(btf).Concat(new byte[9]).ToArray();
        Assert.Equal(new BtfBlobLocation(7, btf.Length, Endian.Little), RawBtfLocator.FindLargest(padded));
    }

    [Fact]
    public void NotAnImage_IsAFormatError()
    {
        Assert.Throws<BpfFormatException>(() => KernelImage.Read(new byte[4096]));
        Assert.Throws<BpfFormatException>(() => KernelImage.Read("hello"u8.ToArray()));
    }
}
