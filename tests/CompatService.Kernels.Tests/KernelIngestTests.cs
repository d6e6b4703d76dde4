using System.Security.Cryptography;
using System.Text.Json;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Kernels.Tests;

public class KernelIngestTests
{
    private const string Release = "6.99.0-1-cloud-amd64";

    private static readonly Dictionary<string, uint> SyntheticVmlinuxKfuncs = new()
    {
        ["bpf_alpha"] = (uint)(KfFlags.Acquire | KfFlags.RetNull),
        ["bpf_beta"] = (uint)(KfFlags.Release | KfFlags.Sleepable),
        ["bpf_gamma"] = (uint)KfFlags.Destructive,
    };

    [Theory]
    [InlineData("vmlinux.btf", "raw-btf", null)]
    [InlineData("vmlinux.btf.gz", "compressed-btf", "gzip")]
    public void RawOrGzippedBtf_HasNoKfuncFlags(string file, string form, string? compression)
    {
        var r = KernelIngest.Read(KernelTestData.ReadSynthetic(file), $"/tmp/vmlinuz-{Release}/{file}");
        Assert.Equal(form, r.Form);
        Assert.Equal(compression, r.Compression);
        Assert.True(r.VmlinuxBtf.Span.SequenceEqual(KernelTestData.ReadSynthetic("vmlinux.btf")));
        Assert.Null(r.KfuncFlags);
        Assert.Null(r.VmlinuxKfuncs);
        Assert.Null(r.Release);
    }

    [Fact]
    public void RawBtf_WithTrailingPadding_IsCutToItsHeaderLength()
    {
        var btf = KernelTestData.ReadSynthetic("vmlinux.btf");
        var r = KernelIngest.Read(btf.Concat(new byte[13]).ToArray(), null);
        Assert.True(r.VmlinuxBtf.Span.SequenceEqual(btf));
    }

    [Fact]
    public void RawBtf_TakesTheReleaseFromAFileNameThatSaysIt()
    {
        var r = KernelIngest.Read(KernelTestData.ReadSynthetic("vmlinux.btf"), "vmlinux-6.1.0-56-rt-amd64");
        Assert.Equal("6.1.0-56-rt-amd64", r.Release);
        Assert.Equal("rt-amd64", r.Flavour);
    }

    [Theory]
    [InlineData("vmlinux.elf", "vmlinux", null, "amd64")]
    [InlineData("bzImage.gzip", "bzImage", "gzip", "amd64")]
    [InlineData("bzImage.xz", "bzImage", "xz", "amd64")]
    [InlineData("bzImage.zstd", "bzImage", "zstd", "amd64")]
    [InlineData("bzImage.lz4", "bzImage", "lz4", "amd64")]
    [InlineData("bzImage.bzip2", "bzImage", "bzip2", "amd64")]
    [InlineData("bzImage.lzma", "bzImage", "lzma", "amd64")]
    [InlineData("Image.gz", "arm64-image", "gzip", "arm64")]
    public void Image_YieldsBtfReleaseArchFlavourAndKfuncFlags(string file, string form, string? compression, string arch)
    {
        var r = KernelIngest.Read(KernelTestData.ReadSynthetic(file), file);

        Assert.Equal(form, r.Form);
        Assert.Equal(compression, r.Compression);
        Assert.Equal(Release, r.Release);
        Assert.Equal(arch, r.Arch);
        Assert.Equal("cloud-amd64", r.Flavour);
        Assert.True(r.VmlinuxBtf.Span.SequenceEqual(KernelTestData.ReadSynthetic("vmlinux.btf")));
        Assert.Equal(SyntheticVmlinuxKfuncs, r.KfuncFlags);
        Assert.Empty(r.Modules);
    }

    [Theory]
    [InlineData("linux-image-synthetic.deb")]
    [InlineData("linux-image-synthetic-zst.deb")]
    public void DebianPackage_YieldsModulesConfigAndModuleKfuncs(string file)
    {
        using var stream = File.OpenRead(KernelTestData.Synthetic(file));
        var r = KernelIngest.Read(stream, file);

        Assert.Equal("deb", r.Form);
        Assert.Equal("xz", r.Compression);
        Assert.Equal(Release, r.Release);
        Assert.Equal("cloud-amd64", r.Flavour);
        Assert.Contains("CONFIG_HZ=250", r.Config);
        Assert.Equal(["bar_mod", "baz_mod", "foo_mod"], r.Modules.Select(m => m.Name));
        var foo = r.Modules.Single(m => m.Name == "foo_mod");
        Assert.Equal([new KfuncSetEntry("bpf_mod_kfunc", 0x25)], foo.Kfuncs);
        Assert.Equal(0x25u, r.KfuncFlags!["bpf_mod_kfunc"]);
        Assert.Equal(SyntheticVmlinuxKfuncs.Count + 1, r.KfuncFlags.Count);
        Assert.Equal(SyntheticVmlinuxKfuncs.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => new KfuncSetEntry(k.Key, k.Value)), r.VmlinuxKfuncs);
    }

    [Fact]
    public void IngestedKernel_OpensAsAKernelBtfSet()
    {
        var r = KernelIngest.Read(KernelTestData.ReadSynthetic("linux-image-synthetic.deb"), null);
        var set = KernelBtfReader.Open(r.VmlinuxBtf, r.Modules.Select(m => KeyValuePair.Create(m.Name, m.Btf)), r.Release, r.KfuncFlags);
        Assert.Equal(Release, set.Release);
        Assert.Equal(3, set.Modules.Count);
        Assert.NotNull(set.Modules[0].Spec.FindFunc("bpf_mod_kfunc"));
    }

    [Fact]
    public void InputAboveTheLimit_IsRefused()
    {
        var bytes = KernelTestData.ReadSynthetic("bzImage.xz");
        var e = Assert.Throws<InputLimitException>(() => KernelIngest.Read(new MemoryStream(bytes), null, new IngestLimits { MaxInputBytes = 1000 }));
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void UnrecognisedInput_IsAFormatErrorNamingTheForms()
    {
        var e = Assert.Throws<BpfFormatException>(() => KernelIngest.Read("#!/bin/sh\necho not a kernel\n"u8.ToArray(), "x.sh"));
        Assert.Contains("unrecognised kernel input", e.Message);
    }

    public static TheoryData<string> MalformedInputs => new()
    {
        "bzImage.gzip", "bzImage.xz", "bzImage.zstd", "bzImage.lz4", "bzImage.bzip2", "bzImage.lzma", "Image.gz",
        "vmlinux.elf", "vmlinux.btf.gz", "linux-image-synthetic.deb", "linux-image-synthetic-zst.deb",
    };

    /// <summary>Truncations and bit flips at many offsets: the result is a kernel or a BpfFormatException, nothing else.</summary>
    [Theory]
    [MemberData(nameof(MalformedInputs))]
    public void TruncatedOrBitFlippedInput_ThrowsOnlyFormatExceptions(string file)
    {
        var original = KernelTestData.ReadSynthetic(file);
        var rnd = new Random(file.Length * 7919);
        var cuts = Enumerable.Range(0, 40).Select(_ => rnd.Next(0, original.Length)).Concat([0, 1, 3, original.Length - 1]);
        foreach (var cut in cuts) Survives(original[..cut], $"{file} cut at {cut}");
        for (var i = 0; i < 150; i++)
        {
            var mutated = (byte[])original.Clone();
            var at = rnd.Next(0, mutated.Length);
            mutated[at] ^= (byte)(1 << rnd.Next(0, 8));
            if (i % 3 == 0) mutated[rnd.Next(0, mutated.Length)] = (byte)rnd.Next(0, 256);
            Survives(mutated, $"{file} flipped at {at}");
        }
    }

    private static void Survives(byte[] data, string what)
    {
        try { _ = KernelIngest.Read(data, null); }
        catch (BpfFormatException) { }
        catch (Exception e) { Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}"); }
    }

    public static TheoryData<string, string> CorpusImages => KernelTestData.CorpusImages;

    [CorpusTheory]
    [MemberData(nameof(CorpusImages))]
    public void CorpusImage_IngestsToTheCorpusKernel(string dir, string file)
    {
        var path = KernelTestData.CorpusImage(dir, file);
        using var stream = File.OpenRead(path);
        var r = KernelIngest.Read(stream, file);

        using var info = JsonDocument.Parse(File.ReadAllText(Path.Combine(KernelTestData.CorpusKernel(dir), "info.json")));
        var root = info.RootElement;
        Assert.Equal(root.GetProperty("btf_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(r.VmlinuxBtf.Span)));
        Assert.Equal(root.GetProperty("release").GetString(), r.Release);
        Assert.Equal(root.GetProperty("arch").GetString(), r.Arch);
        Assert.Equal(root.GetProperty("flavour").GetString(), r.Flavour);
        Assert.Equal(root.GetProperty("banner").GetString(), r.Banner);
        Assert.Equal(file == "Image.gz" ? "arm64-image" : "bzImage", r.Form);
        Assert.Equal(KernelTestData.ExpectedKfuncs(dir).Select(e => $"{e.Name} 0x{e.Flags:x}"),
            r.VmlinuxKfuncs!.Select(e => $"{e.Name} 0x{e.Flags:x}"));
    }

    [CorpusFact]
    public void PackageAroundARealImage_IngestsLikeTheImage()
    {
        const string dir = "debian-6.12.117+deb12-amd64";
        var vmlinuz = File.ReadAllBytes(KernelTestData.CorpusImage(dir, "vmlinuz"));
        var config = KernelTestData.Gunzip(Path.Combine(KernelTestData.CorpusKernel(dir), "config.gz"));
        var deb = DebianPackageTests.BuildDeb("data.tar.gz", [
            ("./boot/vmlinuz-6.12.117+deb12-amd64", vmlinuz),
            ("./boot/config-6.12.117+deb12-amd64", config),
        ]);

        var r = KernelIngest.Read(deb, "linux-image-6.12.117+deb12-amd64_6.12.117-1~deb12u1_amd64.deb");

        Assert.Equal("deb", r.Form);
        Assert.Equal("6.12.117+deb12-amd64", r.Release);
        Assert.Equal("amd64", r.Flavour);
        Assert.Equal("zstd", r.Compression);
        Assert.Equal(KernelTestData.ExpectedKfuncs(dir).Count, r.VmlinuxKfuncs!.Count);
        Assert.Equal("y", KernelConfig.Parse(r.Config!)["CONFIG_DEBUG_INFO_BTF"]);
        Assert.Equal(KernelTestData.ExpectedKfuncs(dir).Select(e => (e.Name, e.Flags)), r.KfuncFlags!.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => (k.Key, k.Value)));
    }
}
