using CompatService.Tests.Shared;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using CompatService.Engine.Binary;
using CompatService.Kernels;

namespace CompatService.Kernels.Tests;

public class DebianPackageTests
{
    private const string Release = "6.99.0-1-cloud-amd64";

    [Theory]
    [InlineData("linux-image-synthetic.deb")]
    [InlineData("linux-image-synthetic-zst.deb")]
    public void Package_YieldsImageConfigAndModulesWithBtf(string file)
    {
        var deb = DebianPackage.Read(KernelTestData.ReadSynthetic(file));

        Assert.Equal($"boot/vmlinuz-{Release}", deb.ImagePath);
        Assert.True(deb.Image!.Value.Span.SequenceEqual(KernelTestData.ReadSynthetic("bzImage.xz")));
        Assert.Equal($"boot/config-{Release}", deb.ConfigPath);
        Assert.Contains("CONFIG_BPF_SYSCALL=y", deb.Config);
        Assert.Equal(4, deb.ModulesSeen);
        // foo_mod.ko.xz, bar-mod.ko.zst (renamed bar_mod), baz_mod.ko; nobtf.ko has no .BTF.
        Assert.Equal(["bar_mod", "baz_mod", "foo_mod"], deb.Modules.Select(m => m.Name));
        Assert.All(deb.Modules, m => Assert.True(m.Btf.Span.SequenceEqual(KernelTestData.ReadSynthetic("foo_mod.btf"))));
        Assert.Contains(deb.Notes, n => n.Contains("nobtf.ko: no .BTF section", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("data.tar.gz")]
    [InlineData("data.tar")]
    public void GzipOrPlainDataTar_IsReadToo(string member)
    {
        var deb = BuildDeb(member, [($"./boot/vmlinuz-{Release}", KernelTestData.ReadSynthetic("bzImage.gzip")),
                                    ($"./lib/modules/{Release}/kernel/x/foo_mod.ko.gz", Gzip(KernelTestData.ReadSynthetic("foo_mod.ko")))]);
        var pkg = DebianPackage.Read(deb);
        Assert.NotNull(pkg.Image);
        Assert.Equal(["foo_mod"], pkg.Modules.Select(m => m.Name));
    }

    [Fact]
    public void DataTarAboveTheDecompressionLimit_IsRefused()
    {
        var deb = KernelTestData.ReadSynthetic("linux-image-synthetic.deb");
        var e = Assert.Throws<InputLimitException>(() => DebianPackage.Read(deb, new IngestLimits { MaxDecompressedBytes = 4096 }));
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public void TooManyModules_IsRefused()
    {
        var deb = KernelTestData.ReadSynthetic("linux-image-synthetic.deb");
        Assert.Throws<InputLimitException>(() => DebianPackage.Read(deb, new IngestLimits { MaxModules = 2 }));
    }

    [Fact]
    public void AllModulesMode_KeepsModulesWithoutKfuncSets()
    {
        var ko = KernelTestData.ReadSynthetic("foo_mod.ko");
        var deb = BuildDeb("data.tar", [($"./lib/modules/{Release}/kernel/a.ko", ko)]);
        Assert.Single(DebianPackage.Read(deb, new IngestLimits { ModulesWithKfuncSetsOnly = false }).Modules);
    }

    [Theory]
    [InlineData("nf_conntrack.ko.xz", "nf_conntrack")]
    [InlineData("xfrm-interface.ko.zst", "xfrm_interface")]
    [InlineData("hid.ko", "hid")]
    [InlineData("tcp_bbr.ko.gz", "tcp_bbr")]
    [InlineData("modules.order", null)]
    [InlineData(".ko", null)]
    public void ModuleName_FromFileName(string file, string? expected) =>
        Assert.Equal(expected, DebianPackage.ModuleName(file, out _));

    [Fact]
    public void ArReader_RejectsTruncatedMembers()
    {
        var deb = KernelTestData.ReadSynthetic("linux-image-synthetic.deb");
        Assert.Throws<BpfFormatException>(() => ArArchive.Read(deb.AsMemory(0, deb.Length - 100)));
        Assert.Equal(["debian-binary", "control.tar.xz", "data.tar.xz"], ArArchive.Read(deb).Select(m => m.Name));
    }

    [Fact]
    public void NotADebianPackage_IsRefused()
    {
        var ar = Encoding.ASCII.GetBytes("!<arch>\nfoo             0           0     0     100644  2         `\nhi");
        Assert.False(DebianPackage.IsDeb(ar));
        Assert.Throws<BpfFormatException>(() => DebianPackage.Read(ar));
    }

    internal static byte[] BuildDeb(string dataMember, IEnumerable<(string Path, byte[] Data)> files)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Gnu, leaveOpen: true))
            foreach (var (path, data) in files)
                writer.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, path) { DataStream = new MemoryStream(data) });
        var payload = dataMember.EndsWith(".gz", StringComparison.Ordinal) ? Gzip(tar.ToArray()) : tar.ToArray();
        return Ar([("debian-binary", "2.0\n"u8.ToArray()), ("control.tar", []), (dataMember, payload)]);
    }

    internal static byte[] Ar(IEnumerable<(string Name, byte[] Data)> members)
    {
        using var ms = new MemoryStream();
        ms.Write("!<arch>\n"u8);
        foreach (var (name, data) in members)
        {
            ms.Write(Encoding.ASCII.GetBytes($"{name,-16}{0,-12}{0,-6}{0,-6}{"100644",-8}{data.Length,-10}`\n"));
            ms.Write(data);
            if (data.Length % 2 == 1) ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    internal static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}
