using CompatService.Engine.Analysis;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;
using CompatService.HostKernels;
using CompatService.Kernels;

namespace CompatService.Engine.Tests.Kallsyms;

/// <summary>
/// Typeless ksyms and what a kallsyms table can prove. libbpf reads /proc/kallsyms (vmlinux plus the loaded modules);
/// an image's own table lists vmlinux only. Fixture ksym_typeless_module (nf_conntrack_find_get: module nf_conntrack on
/// Debian, whose split BTF the committed 6.1.0-47 kernel carries) and ksym_typeless_present (bpf_prog_put) against real
/// kernel BTF with kallsyms tables in both forms; libbpf's <c>.llvm.</c> suffix matching (kallsyms_cb).
/// </summary>
public sealed class TypelessKsymModuleTests
{
    private static KernelBtfSet Kernel61 => TestData.Kernel(TestData.FixtureKernelDir("debian-6.1.0-47-amd64")).Btf;

    private static KernelBtfSet With(KernelBtfSet k, KallsymsTable kallsyms, bool modules = true, IReadOnlyDictionary<string, string>? config = null) =>
        new(k.Vmlinux, modules ? k.Modules : [], k.BtfSha256, k.Release, k.KfuncFlags, config ?? k.Config, kallsyms);

    /// <summary>An image-style table (vmlinux only) with these names.</summary>
    private static KallsymsTable Image(params string[] names) =>
        KallsymsTable.Build(names.Select((n, i) => (n, 'T', (ulong?)(0xffffffff81000000UL + (ulong)i * 16))).ToList(), "test image");

    /// <summary>A running kernel's /proc/kallsyms, parsed as the agent does.</summary>
    private static KallsymsTable Proc(string text) => HostKallsyms.Parse(new StringReader(text), "test /proc/kallsyms");

    private static ProgramResult Check(string fixture, KernelBtfSet kernel, string endian = "bpfel") =>
        CompatEngine.Check(TestData.Fixture(fixture, endian), kernel, "k").Single();

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void NameOnlyAModuleBtfHas_Loads(string endian)
    {
        Assert.Contains(Kernel61.Modules, m => m.Name == "nf_conntrack");
        var r = Check("ksym_typeless_module", With(Kernel61, Image("_stext", "bpf_prog_put")), endian);
        Assert.Equal(Verdict.Loads, r.Verdict);
    }

    [Fact]
    public void NameTheImageLacks_WithoutTheModulesBtf_IsUnknown_NamingTheRunningKernelsKallsyms()
    {
        var r = Check("ksym_typeless_module", With(Kernel61, Image("_stext", "bpf_prog_put"), modules: false));
        Assert.Equal(Verdict.Unknown, r.Verdict);
        var reason = Assert.Single(r.Reasons, x => x.Code == ReasonCodes.TypelessKsymModuleUnknown);
        Assert.Contains("a loaded module may provide it", reason.Message);
        // The same for a name no kernel has: an image cannot prove the absence while modules exist.
        Assert.Equal(Verdict.Unknown, Check("ksym_typeless_strong_missing", With(Kernel61, Image("_stext"), modules: false)).Verdict);
    }

    [Fact]
    public void KernelWithoutModuleSupport_ImageProvesTheAbsence()
    {
        var noModules = new Dictionary<string, string> { ["CONFIG_KALLSYMS"] = "y", ["CONFIG_BPF_SYSCALL"] = "y" };
        var r = Check("ksym_typeless_strong_missing", With(Kernel61, Image("_stext"), modules: false, noModules));
        Assert.Equal(Verdict.Fails, r.Verdict);
        Assert.Contains("no CONFIG_MODULES", Assert.Single(r.Reasons, x => x.Code == ReasonCodes.TypelessKsymMissing).Message);
        var withModules = new Dictionary<string, string>(noModules) { ["CONFIG_MODULES"] = "y" };
        Assert.Equal(Verdict.Unknown, Check("ksym_typeless_strong_missing", With(Kernel61, Image("_stext"), false, withModules)).Verdict);
    }

    [Fact]
    public void RunningKernelsKallsyms_IncludesModules_DecidesBothWays()
    {
        var proc = Proc("ffffffff81000000 T _stext\nffffffffc0a01000 t nf_conntrack_find_get\t[nf_conntrack]\n");
        Assert.True(proc.IncludesModules);
        Assert.Equal(Verdict.Loads, Check("ksym_typeless_module", With(Kernel61, proc, modules: false)).Verdict);
        var without = Proc("ffffffff81000000 T _stext\n");
        var r = Check("ksym_typeless_module", With(Kernel61, without, modules: false));
        Assert.Equal(Verdict.Fails, r.Verdict);
        Assert.Contains(r.Reasons, x => x.Code == ReasonCodes.TypelessKsymMissing);
    }

    [Fact]
    public void StoredForm_KeepsWhetherTheTableIncludesModules()
    {
        var proc = Proc("ffffffff81000000 T _stext\nffffffffc0a01000 t nf_conntrack_find_get\t[nf_conntrack]\n");
        var back = KallsymsTable.Parse(proc.Serialize());
        Assert.True(back.IncludesModules);
        Assert.False(KallsymsTable.Parse(Image("_stext").Serialize()).IncludesModules);
    }

    /// <summary>kallsyms_cb: a local data symbol 'd' named x.llvm.HASH (clang LTO) resolves extern x; other types do not.</summary>
    [Theory]
    [InlineData("ffffffff82000000 d bpf_prog_put.llvm.8172394\n", Verdict.Loads, null)]
    [InlineData("ffffffff82000000 t bpf_prog_put.llvm.8172394\n", Verdict.Fails, ReasonCodes.TypelessKsymMissing)]
    [InlineData("ffffffff82000000 d bpf_prog_put.llvm.1\nffffffff82000100 d bpf_prog_put.llvm.2\n", Verdict.Fails, ReasonCodes.KsymAmbiguous)]
    [InlineData("ffffffff82000000 d bpf_prog_put.llvm.1\nffffffff82000000 T bpf_prog_put\n", Verdict.Loads, null)]
    [InlineData("ffffffff82000000 d bpf_prog_put.llvm.1\nffffffff81000000 T bpf_prog_put\n", Verdict.Fails, ReasonCodes.KsymAmbiguous)]
    [InlineData("ffffffff82000000 d bpf_prog_puts.llvm.1\n", Verdict.Fails, ReasonCodes.TypelessKsymMissing)]
    public void LlvmSuffixedLocalData_MatchesThePlainName_LikeLibbpf(string lines, Verdict verdict, string? code)
    {
        var r = Check("ksym_typeless_present", With(Kernel61, Proc("ffffffff81000000 T _stext\n" + lines), modules: false));
        Assert.Equal(verdict, r.Verdict);
        if (code is not null) Assert.Contains(r.Reasons, x => x.Code == code);
    }

    [Fact]
    public void LlvmMatch_GivesTheAddressTheLoaderWrites()
    {
        var t = Proc("ffffffff81000000 T _stext\nffffffff82000040 d bpf_prog_put.llvm.42\n");
        var m = t.FindKsym("bpf_prog_put");
        Assert.True(m.Found && !m.Ambiguous);
        Assert.Equal(0xffffffff82000040UL, m.Address);
        Assert.Equal("bpf_prog_put.llvm.42", m.Names);
        Assert.False(t.FindKsym("bpf_prog").Found);
    }

    /// <summary>The real Debian 6.1 image: its kallsyms (vmlinux) lack nf_conntrack_find_get, a module function.</summary>
    [CorpusFact]
    public void RealImage_ModuleFunction_IsUnknown_NotFails()
    {
        var image = KernelInput.Load(KernelTestData.CorpusImage("debian-6.1.0-56-amd64", "vmlinuz")).Btf;
        Assert.NotNull(image.Kallsyms);
        Assert.False(image.Kallsyms.IncludesModules);
        Assert.False(image.Kallsyms.Contains("nf_conntrack_find_get"));
        var r = Check("ksym_typeless_module", image);
        Assert.Equal(Verdict.Unknown, r.Verdict);
        Assert.Contains(r.Reasons, x => x.Code == ReasonCodes.TypelessKsymModuleUnknown);
    }
}
