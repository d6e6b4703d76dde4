using System.IO.Compression;
using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using CompatService.Engine.Kernels;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Btf;

/// <summary>Kernel inputs: raw (either endian), gzip'd, ELF .BTF; release banners; sysfs-style directories.</summary>
public sealed class KernelBtfReaderTests
{
    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }

    [Fact]
    public void RawGzipAndBigEndian_AllGiveTheSameKernel()
    {
        var dir = BtfTestData.FixtureDir(BtfTestData.Fixture72);
        var raw = BtfTestData.RawVmlinux(dir);
        var module = BtfTestData.Gunzip(Path.Combine(dir, "modules", "nf_conntrack.btf.gz"));
        var fromRaw = KernelBtfReader.Open(raw, [new("nf_conntrack", module)], "7.2.13+deb14-amd64");
        var fromGz = KernelBtfReader.Open(File.ReadAllBytes(Path.Combine(dir, "vmlinux.btf.gz")),
            [new("nf_conntrack", File.ReadAllBytes(Path.Combine(dir, "modules", "nf_conntrack.btf.gz")))]);

        Assert.Equal("8f61b70f8990384438069ae844dbd98dcc071518a2835989e0407135ae1d4bf7", fromRaw.BtfSha256);
        Assert.Equal(fromRaw.BtfSha256, fromGz.BtfSha256);
        Assert.Equal("7.2.13+deb14-amd64", fromRaw.Release);
        Assert.Null(fromGz.Release);
        Assert.True(fromRaw.HasKfuncTags);
        Assert.Equal("nf_conntrack", Assert.Single(fromGz.Modules).Name);
        Assert.Equal(fromRaw.Modules[0].Spec.FindFunc("bpf_xdp_ct_lookup"), fromGz.Modules[0].Spec.FindFunc("bpf_xdp_ct_lookup"));

        var be = KernelBtfReader.Open(BtfByteSwapper.Swap(raw), [new("nf_conntrack", BtfByteSwapper.Swap(module))]);
        Assert.True(be.Vmlinux.Endian.IsBig);
        Assert.Equal(fromRaw.Modules[0].Spec.FindFunc("bpf_xdp_ct_lookup"), be.Modules[0].Spec.FindFunc("bpf_xdp_ct_lookup"));
    }

    [Fact]
    public void ModuleWithDifferentByteOrderThanVmlinux_IsRejected()
    {
        var dir = BtfTestData.FixtureDir(BtfTestData.Fixture72);
        var module = BtfTestData.Gunzip(Path.Combine(dir, "modules", "nf_conntrack.btf.gz"));
        Assert.Throws<BpfFormatException>(() => KernelBtfReader.Open(BtfByteSwapper.Swap(BtfTestData.RawVmlinux(dir)), [new("nf_conntrack", module)]));
    }

    [CorpusFact]
    public void ElfObject_ItsBtfSectionIsExtracted()
    {
        var obj = Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories)
            .Order(StringComparer.Ordinal).First(f => ElfFile.Parse(File.ReadAllBytes(f)).FindSection(".BTF") is not null);
        var bytes = File.ReadAllBytes(obj);
        var btf = KernelBtfReader.ExtractRawBtf(bytes);
        Assert.Equal(ElfFile.Parse(bytes).FindSection(".BTF")!.Data.ToArray(), btf.ToArray());
        Assert.Equal(KernelBtfReader.InputKind.Elf, KernelBtfReader.Detect(bytes));
        Assert.Equal(btf.ToArray(), KernelBtfReader.ExtractRawBtf(Gzip(bytes)).ToArray());
    }

    [Fact]
    public void ElfWithoutBtf_IsAFormatError()
    {
        // A minimal ELF64 header with no sections.
        var elf = new byte[64];
        "\u007fELF"u8.CopyTo(elf);
        elf[4] = 2; elf[5] = 1; elf[6] = 1;
        Assert.Contains("no .BTF section", Assert.Throws<BpfFormatException>(() => KernelBtfReader.ExtractRawBtf(elf)).Message);
    }

    [Fact]
    public void TryReadRelease_FindsTheBanner()
    {
        var image = Encoding.ASCII.GetBytes("\0\0garbage Linux version %s\0Linux version 6.1.0-47-amd64 (debian-kernel@lists.debian.org) (gcc-12) #1 SMP\0");
        Assert.Equal("6.1.0-47-amd64", KernelBtfReader.TryReadRelease(image));
        Assert.Null(KernelBtfReader.TryReadRelease(Encoding.ASCII.GetBytes("no banner here")));
        Assert.Null(KernelBtfReader.TryReadRelease(Encoding.ASCII.GetBytes("Linux version 6.1")));
    }

    [CorpusFact]
    public void TryReadRelease_FindsTheBannerInARealArm64Image()
    {
        var image = BtfTestData.Gunzip(Path.Combine(TestPaths.Corpus, "images", "debian-6.1.0-56-arm64", "Image.gz"));
        Assert.Equal("6.1.0-56-arm64", KernelBtfReader.TryReadRelease(image));
    }

    [Fact]
    public void SysfsStyleDirectory_LoadsVmlinuxModulesReleaseAndConfig()
    {
        var dir = BtfTestData.FixtureDir(BtfTestData.Fixture72);
        var root = Directory.CreateTempSubdirectory("compat-sysfs-");
        try
        {
            var btf = Directory.CreateDirectory(Path.Combine(root.FullName, "sys/kernel/btf")).FullName;
            Directory.CreateDirectory(Path.Combine(root.FullName, "proc/sys/kernel"));
            Directory.CreateDirectory(Path.Combine(root.FullName, "boot"));
            File.WriteAllBytes(Path.Combine(btf, "vmlinux"), BtfTestData.RawVmlinux(dir));
            File.WriteAllBytes(Path.Combine(btf, "nf_conntrack"), BtfTestData.Gunzip(Path.Combine(dir, "modules", "nf_conntrack.btf.gz")));
            File.WriteAllText(Path.Combine(root.FullName, "proc/sys/kernel/osrelease"), "7.2.13+deb14-amd64\n");
            File.WriteAllText(Path.Combine(root.FullName, "boot/config-7.2.13+deb14-amd64"), "CONFIG_HZ=250\n# CONFIG_KALLSYMS_ALL is not set\n");
            var kernel = KernelInput.LoadHost(root.FullName);
            Assert.Equal("7.2.13+deb14-amd64", kernel.Release);
            Assert.Equal("host-7.2.13+deb14-amd64", kernel.Name);
            Assert.Equal("nf_conntrack", Assert.Single(kernel.Btf.Modules).Name);
            Assert.NotNull(kernel.Btf.Modules[0].Spec.FindFunc("bpf_xdp_ct_lookup"));
            Assert.Equal("250", kernel.Btf.Config!["CONFIG_HZ"]); // the host's config comes with it, as for the agent
        }
        finally
        {
            root.Delete(true);
        }
    }

    [Fact]
    public void KernelInput_RawFileAndMissingPath()
    {
        var tmp = Path.Combine(Path.GetTempPath(), $"compat-raw-{Environment.ProcessId}.btf");
        File.WriteAllBytes(tmp, BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture61)));
        try
        {
            var k = KernelInput.Load(tmp);
            Assert.Equal("465bdfeb99080d0314d51da1f677d9b0555d88a86731260a7c8e2eec92bef4d5", k.Btf.BtfSha256);
            Assert.Null(k.Release);
        }
        finally { File.Delete(tmp); }
        Assert.Throws<FileNotFoundException>(() => KernelInput.Load("/nonexistent/kernel"));
    }

    [HostBtfFact]
    public void HostSysfsBtf_LoadsWithRelease()
    {
        var k = KernelInput.Load("/sys/kernel/btf/vmlinux");
        Assert.True(k.Btf.Vmlinux.TypeCount > 1000);
        Assert.NotNull(k.Btf.Vmlinux.FindFunc("schedule"));
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), k.Release);
    }
}

/// <summary>A fact that is skipped, with its reason, when the running kernel exposes no /sys/kernel/btf/vmlinux.</summary>
public sealed class HostBtfFactAttribute : FactAttribute
{
    public HostBtfFactAttribute()
    {
        if (!File.Exists("/sys/kernel/btf/vmlinux")) Skip = "/sys/kernel/btf/vmlinux is absent: the host kernel has no BTF";
    }
}
