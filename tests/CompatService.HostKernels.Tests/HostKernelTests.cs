using CompatService.Engine.Preparation;
using System.IO.Compression;
using System.Security.Cryptography;

namespace CompatService.HostKernels.Tests;

/// <summary>The running kernel as its files say (a fake root), and /proc/kallsyms parsing.</summary>
public class HostKernelTests
{
    private static string FakeRoot(bool gzConfig)
    {
        var root = Directory.CreateTempSubdirectory("agent-host-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "sys/kernel/btf"));
        Directory.CreateDirectory(Path.Combine(root, "proc/sys/kernel"));
        Directory.CreateDirectory(Path.Combine(root, "boot"));
        var b = new BtfBuilder();
        b.Int("int", 4);
        File.WriteAllBytes(Path.Combine(root, "sys/kernel/btf/vmlinux"), b.Build());
        File.WriteAllBytes(Path.Combine(root, "sys/kernel/btf/nf_conntrack"), [1, 2, 3]);
        File.WriteAllText(Path.Combine(root, "proc/sys/kernel/osrelease"), "6.18.44-test\n");
        const string config = "CONFIG_HZ=250\n# CONFIG_FOO is not set\nCONFIG_BPF_SYSCALL=y\n";
        if (gzConfig)
        {
            using var f = File.Create(Path.Combine(root, "proc/config.gz"));
            using var z = new GZipStream(f, CompressionLevel.Fastest);
            z.Write(System.Text.Encoding.UTF8.GetBytes(config));
        }
        else File.WriteAllText(Path.Combine(root, "boot/config-6.18.44-test"), config);
        return root;
    }

    [Theory]
    [InlineData(true, "/proc/config.gz")]
    [InlineData(false, "/boot/config-6.18.44-test")]
    public void Discover_ReadsBtfShaModulesReleaseAndConfig(bool gz, string source)
    {
        var root = FakeRoot(gz);
        var host = HostKernel.Discover(root);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(root, "sys/kernel/btf/vmlinux")))), host.BtfSha256);
        Assert.Equal("6.18.44-test", host.Release);
        Assert.Equal(["nf_conntrack"], host.Modules.Select(m => m.Key));
        Assert.Equal(source, host.ConfigSource);
        Assert.Equal("250", host.Config!["CONFIG_HZ"]);
        Assert.False(host.Config.ContainsKey("CONFIG_FOO"));
    }

    [Fact]
    public void Discover_WithoutVmlinuxBtf_SaysWhy()
    {
        var root = Directory.CreateTempSubdirectory("agent-nobtf-").FullName;
        var e = Assert.Throws<FileNotFoundException>(() => HostKernel.Discover(root));
        Assert.Contains("CONFIG_DEBUG_INFO_BTF", e.Message);
    }

    [Fact]
    public void HostKallsyms_ParsesModulesToo_FirstAddressWins_TwoAddressesAreAmbiguous()
    {
        var k = HostKallsyms.Parse(new StringReader(
            "ffffffff81000000 T _stext\nffffffff81000010 t dup\nffffffff81000020 t dup\t[mod]\nffffffffc0000000 t modonly\t[fou]\n"), "test");
        Assert.True(k.TryGet("_stext", out var s) && s.Address == 0xffffffff81000000UL && !s.Ambiguous);
        Assert.True(k.TryGet("dup", out var d) && d.Ambiguous);          // libbpf: "resolution is ambiguous"
        Assert.True(k.TryGet("modonly", out var m) && m.Type == 't');    // a loaded module's symbol counts (libbpf_kallsyms_parse)
        Assert.False(k.Contains("absent"));
    }

    [Fact]
    public void HostKallsyms_ZeroAddresses_AreNamesOnly()
    {
        var k = HostKallsyms.Parse(new StringReader("0000000000000000 T a\n0000000000000000 D b\n"), "kptr_restrict");
        Assert.False(k.HasAddresses);
        Assert.True(k.TryGet("b", out var b) && b.Address is null);
    }

    [Fact]
    public void HostKernel_ReadsKallsyms_IntoTheEngineKernel_UnreadableMeansUndecided()
    {
        var root = Directory.CreateTempSubdirectory("hostroot-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "sys/kernel/btf"));
        var b = new BtfBuilder();
        b.Int("int", 4, true);
        File.WriteAllBytes(Path.Combine(root, "sys/kernel/btf/vmlinux"), b.Build());
        Assert.Null(HostKernel.Discover(root).OpenEngineKernel().Kallsyms);
        Directory.CreateDirectory(Path.Combine(root, "proc"));
        File.WriteAllText(Path.Combine(root, "proc/kallsyms"), "ffffffff81000000 T bpf_prog_put\n");
        var kernel = HostKernel.Discover(root).OpenEngineKernel();
        Assert.True(kernel.Kallsyms!.Contains("bpf_prog_put"));
    }

    [Fact]
    public void Discover_ReadsKallsymsOnFirstUse_NotBefore()
    {
        var root = Directory.CreateTempSubdirectory("hostroot-lazy-").FullName;
        Directory.CreateDirectory(Path.Combine(root, "sys/kernel/btf"));
        Directory.CreateDirectory(Path.Combine(root, "proc"));
        var b = new BtfBuilder();
        b.Int("int", 4, true);
        File.WriteAllBytes(Path.Combine(root, "sys/kernel/btf/vmlinux"), b.Build());
        var host = HostKernel.Discover(root);
        var kernel = host.OpenEngineKernel();
        // written after discovery and after the engine's kernel was opened: still seen, so nothing read it eagerly
        File.WriteAllText(Path.Combine(root, "proc/kallsyms"), "ffffffff81000000 T bpf_prog_put\n");
        Assert.True(kernel.Kallsyms!.Contains("bpf_prog_put"));
        Assert.True(host.Kallsyms!.Contains("bpf_prog_put"));
        Assert.True(host.Source.KallsymsNow()!.Contains("bpf_prog_put"));
    }
}
