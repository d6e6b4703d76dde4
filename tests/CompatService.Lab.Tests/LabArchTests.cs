using System.Text;
using CompatService.Lab;
using CompatService.Tests.Shared;

namespace CompatService.Lab.Tests;

/// <summary>
/// The lab's architecture choice without a VM: QEMU arguments and consoles per architecture, the init script's results
/// port, and the arm64 initramfs layout built from a sysroot by reading DT_NEEDED / PT_INTERP (ELF files made here).
/// </summary>
public sealed class LabArchTests
{
    private const ushort EmAarch64 = 183, EmX8664 = 62;
    private const uint ShtDynamic = 6;

    /// <summary>An ELF64 with .interp (when given) and a .dynamic listing <paramref name="needed"/> (none: static).</summary>
    private static byte[] Elf(ushort machine, string? interp, params string[] needed)
    {
        var w = new BpfElfWriter { Machine = machine };
        if (interp is not null) w.AddSection(".interp", BpfElfWriter.ShtProgbits, BpfElfWriter.ShfAlloc, Encoding.ASCII.GetBytes(interp + "\0"));
        if (needed.Length > 0)
        {
            var dynstr = new MemoryStream();
            dynstr.WriteByte(0);
            var dynamic = new List<byte>();
            foreach (var n in needed)
            {
                dynamic.AddRange(BitConverter.GetBytes(1UL)); // DT_NEEDED
                dynamic.AddRange(BitConverter.GetBytes((ulong)dynstr.Length));
                dynstr.Write(Encoding.ASCII.GetBytes(n + "\0"));
            }
            dynamic.AddRange(new byte[16]); // DT_NULL
            var str = w.AddSection(".dynstr", BpfElfWriter.ShtStrtab, BpfElfWriter.ShfAlloc, dynstr.ToArray());
            w.AddSection(".dynamic", ShtDynamic, BpfElfWriter.ShfAlloc | BpfElfWriter.ShfWrite, dynamic.ToArray(), (uint)str, 0, 16);
        }
        return w.Build();
    }

    [Fact]
    public void Arch_FromTheImage_Amd64ByDefault_OthersRefused()
    {
        Assert.Same(LabArch.Amd64, LabArch.For(null));
        Assert.Same(LabArch.Amd64, LabArch.For("x86_64"));
        Assert.Same(LabArch.Arm64, LabArch.For("arm64"));
        Assert.Same(LabArch.Arm64, LabArch.For("aarch64"));
        Assert.Contains("riscv64", Assert.Throws<LabException>(() => LabArch.For("riscv64")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Qemu_Arm64_IsVirtUnderTcgWithThePl011ConsoleAndAPciSerialForResults()
    {
        var arm = LabArch.Arm64.MachineArguments("tcg", 1024, "/w/console.log", "/w/results.log");
        Assert.Equal(["-M", "virt", "-accel", "tcg", "-cpu", "max,pauth-impdef=on"], arm.Take(6));
        Assert.Single(arm, a => a == "-serial"); // the board's one UART (PL011, ttyAMA0) is the console
        Assert.Equal("chardev:con", arm[arm.ToList().IndexOf("-serial") + 1]);
        Assert.Contains("pci-serial,chardev=res", arm);
        Assert.Equal("console=ttyAMA0 panic=-1 loglevel=4 rdinit=/init lab.btf=ab", LabArch.Arm64.KernelCommandLine("ab"));
        Assert.Equal(LabArch.Arm64.IsHost ? "kvm" : "tcg", LabArch.Arm64.Accel("auto", () => true)); // KVM only for the host's arch
        Assert.Equal("tcg", LabArch.Arm64.Accel("auto", () => false));
        Assert.Equal("qemu-system-aarch64", LabArch.Arm64.QemuFor(new LabRunOptions { Image = "i", Objects = [], Agent = "a" }));
    }

    [Fact]
    public void Qemu_Amd64_KeepsItsTwo16550Ports()
    {
        var x = LabArch.Amd64.MachineArguments("tcg", 512, "/w/c", "/w/r");
        Assert.DoesNotContain("-M", x);
        Assert.Equal(["-accel", "tcg", "-cpu", "max", "-m", "512"], x.Take(6));
        Assert.Equal(2, x.Count(a => a == "-serial"));
        Assert.Equal("console=ttyS0 panic=-1 loglevel=4 rdinit=/init lab.btf=ab", LabArch.Amd64.KernelCommandLine("ab"));
        Assert.Equal("qemu-system-x86_64", LabArch.Amd64.QemuFor(new LabRunOptions { Image = "i", Objects = [], Agent = "a" }));
        Assert.Equal("/my/qemu", LabArch.Amd64.QemuFor(new LabRunOptions { Image = "i", Objects = [], Agent = "a", Qemu = "/my/qemu" }));
    }

    [Fact]
    public void InitScript_WritesResultsToTheArchitecturesResultsPort()
    {
        var o = new LabRunOptions { Image = "i", Objects = [], Agent = "a" };
        Assert.Contains("exec 3>/dev/ttyS1", LabInitramfs.InitScript(o), StringComparison.Ordinal);
        Assert.Contains("exec 3>/dev/ttyS0", LabInitramfs.InitScript(o, LabArch.Arm64), StringComparison.Ordinal);
        Assert.DoesNotContain("ttyS1", LabInitramfs.InitScript(o, LabArch.Arm64), StringComparison.Ordinal);
    }

    [Fact]
    public void Initramfs_Arm64_TakesTheAgentsLibrariesFromTheSysrootByDtNeeded()
    {
        var root = Directory.CreateTempSubdirectory("lab-sysroot-").FullName;
        try
        {
            void Put(string path, byte[] bytes) { Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, path))!); File.WriteAllBytes(Path.Combine(root, path), bytes); }
            const string Loader = "/lib/ld-linux-aarch64.so.1";
            Put("lib/aarch64-linux-gnu/ld-linux-aarch64.so.1", Elf(EmAarch64, null));
            File.CreateSymbolicLink(Path.Combine(root, "lib/ld-linux-aarch64.so.1"), "/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"); // absolute: the sysroot's
            Put("lib/aarch64-linux-gnu/libc.so.6", Elf(EmAarch64, null, "ld-linux-aarch64.so.1"));
            Put("usr/lib/aarch64-linux-gnu/libssl.so.3", Elf(EmAarch64, null, "libcrypto.so.3", "libc.so.6"));
            Put("usr/lib/aarch64-linux-gnu/libcrypto.so.3", Elf(EmAarch64, null, "libc.so.6"));
            Put("bin/busybox", Elf(EmAarch64, null));
            Put("agent", Elf(EmAarch64, Loader, "libc.so.6", "ld-linux-aarch64.so.1"));
            var options = new LabRunOptions { Image = "i", Objects = [], Agent = Path.Combine(root, "agent"), Sysroot = root };

            using var ms = new MemoryStream();
            LabInitramfs.Write(ms, options, "6.1.0-56-arm64", "CONFIG_BPF=y\n", [new LabPlanEntry(0, "a.o", "0000-a.o", "p")],
                new Dictionary<string, byte[]> { ["0000-a.o"] = [1] }, LabArch.Arm64);
            var entries = LabUnitTests.ReadCpio(ms.ToArray()).ToDictionary(e => e.Name, e => e.Data);

            Assert.Equal(File.ReadAllBytes(Path.Combine(root, "bin/busybox")), entries["bin/busybox"]);
            Assert.Equal(File.ReadAllBytes(options.Agent), entries["lab/compat-agent"]);
            Assert.Equal(File.ReadAllBytes(Path.Combine(root, "lib/aarch64-linux-gnu/ld-linux-aarch64.so.1")), entries["lib/ld-linux-aarch64.so.1"]);
            foreach (var lib in new[] { "libc.so.6", "libssl.so.3", "libcrypto.so.3" }) Assert.True(entries.ContainsKey($"lib/aarch64-linux-gnu/{lib}"), lib);
            Assert.DoesNotContain(entries.Keys, k => k.Contains("x86_64", StringComparison.Ordinal));
            Assert.Contains("exec 3>/dev/ttyS0", Encoding.UTF8.GetString(entries["init"]), StringComparison.Ordinal);
            Assert.True(entries.ContainsKey("boot/config-6.1.0-56-arm64"));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void GuestLibraries_RefuseAnotherArchitecturesAgentAndNameAMissingLibrary()
    {
        var root = Directory.CreateTempSubdirectory("lab-sysroot-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(root, "x86-agent"), Elf(EmX8664, "/lib64/ld-linux-x86-64.so.2", "libc.so.6"));
            var e = Assert.Throws<LabException>(() => GuestLibraries.Resolve(Path.Combine(root, "x86-agent"), root, LabArch.Arm64));
            Assert.Contains("not an arm64 binary", e.Message, StringComparison.Ordinal);

            File.WriteAllBytes(Path.Combine(root, "agent"), Elf(EmAarch64, null, "libmissing.so.1"));
            e = Assert.Throws<LabException>(() => GuestLibraries.Resolve(Path.Combine(root, "agent"), root, LabArch.Arm64));
            Assert.Contains("libmissing.so.1 not found in the sysroot", e.Message, StringComparison.Ordinal);

            File.WriteAllBytes(Path.Combine(root, "static"), Elf(EmAarch64, null));
            Assert.Empty(GuestLibraries.Resolve(Path.Combine(root, "static"), root, LabArch.Arm64, "libssl.so.3"));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Sysroot_AMissingOneIsRefusedWithWhatToRun()
    {
        var e = Assert.Throws<LabException>(() => LabArch.Arm64.SysrootFor(new LabRunOptions { Image = "i", Objects = [], Agent = "a", Sysroot = "/nonexistent-sysroot" }));
        Assert.Contains("scripts/build-agent-arm64.sh", e.Message, StringComparison.Ordinal);
    }

    [CorpusFact]
    public void KernelImage_TheCorpusArm64ImageGzOpensAsAnArm64Guest()
    {
        const string K = "debian-6.1.0-56-arm64";
        var image = Path.Combine(TestPaths.Corpus, "images", K, "Image.gz");
        if (!File.Exists(image)) Assert.Fail($"the corpus has no {image}"); // the corpus of this repository has it
        var kernel = LabKernelImage.Open(image, Path.Combine(TestPaths.Corpus, "btf", K));
        Assert.Same(LabArch.Arm64, kernel.Arch);
        Assert.Equal("6.1.0-56-arm64", kernel.Release);
        Assert.Equal(0x644d5241u, BitConverter.ToUInt32(kernel.Bzimage, 0x38)); // the decompressed Image QEMU boots ("ARM\x64")
    }
}
