using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Kernels.Tests;

/// <summary>The scanner on the real images of the corpus: the recovered kfunc sets equal kfuncs-btf_ids.txt exactly.</summary>
public class BtfIdsCorpusTests
{
    public static TheoryData<string, string> Images => KernelTestData.CorpusImages;

    [CorpusTheory]
    [MemberData(nameof(Images))]
    public void ScannedKfuncSets_EqualKfuncsBtfIdsTxt(string dir, string file)
    {
        var image = KernelImage.Read(File.ReadAllBytes(KernelTestData.CorpusImage(dir, file)));
        var names = new RawBtfFuncNames(image.Btf.ToArray());

        var scanned = BtfIdsScanner.Scan(image.BtfIds.Span, image.Endian, names.NameOf, names.LastTypeId);

        var expected = KernelTestData.ExpectedKfuncs(dir);
        Assert.Equal(expected.Select(e => $"{e.Name} 0x{e.Flags:x}"), scanned.Select(e => $"{e.Name} 0x{e.Flags:x}"));
    }

    [CorpusTheory]
    [MemberData(nameof(Images))]
    public void ImageBtf_EqualsCorpusVmlinuxBtf(string dir, string file)
    {
        var image = KernelImage.Read(File.ReadAllBytes(KernelTestData.CorpusImage(dir, file)));
        var expected = KernelTestData.Gunzip(Path.Combine(KernelTestData.CorpusKernel(dir), "vmlinux.btf.gz"));
        Assert.True(image.Btf.Span.SequenceEqual(expected), $"BTF of {dir}/{file} differs from vmlinux.btf.gz");
        Assert.Equal(dir["debian-".Length..], image.Release);
        Assert.Equal(dir.EndsWith("arm64", StringComparison.Ordinal) ? "arm64" : "amd64", image.Arch);
        Assert.Equal(Endian.Little, image.Endian);
    }
}
