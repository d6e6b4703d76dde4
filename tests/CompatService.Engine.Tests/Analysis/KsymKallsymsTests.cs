using CompatService.Engine.Analysis;
using CompatService.Engine.Linking;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// The verifier resolves every ld_imm64 of a typed ksym through kallsyms by name (check_pseudo_btf_id), reachable or
/// not; a kernel built without CONFIG_KALLSYMS_ALL keeps no data symbols there, so the load fails with ENOENT
/// ("ldimm64 failed to find the address for kernel symbol"). Debian 6.1 arm64 and this machine's 6.18 are such kernels.
/// </summary>
public sealed class KsymKallsymsTests
{
    private static KernelBtfSet WithConfig(KernelBtfSet k, IReadOnlyDictionary<string, string>? config) =>
        new(k.Vmlinux, k.Modules, k.BtfSha256, k.Release, k.KfuncFlags, config);

    private static KernelBtfSet Kernel612 => TestData.Kernel(TestData.FixtureKernelDir("debian-6.12.117+deb13-amd64")).Btf;

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void TypedKsym_ConfigWithoutKallsymsAll_FailsAtTheLdImm64(string endian)
    {
        var obj = TestData.Fixture("ksym_typed_present", endian);
        var kernel = WithConfig(Kernel612, new Dictionary<string, string> { ["CONFIG_KALLSYMS"] = "y", ["CONFIG_BPF_SYSCALL"] = "y" });
        var r = CompatEngine.Check(obj, kernel, "k").Single();
        Assert.Equal(Verdict.Fails, r.Verdict);
        var reason = Assert.Single(r.Reasons, x => x.Code == ReasonCodes.KsymNotInKallsyms);
        Assert.Equal("bpf_prog_active", reason.Symbol);
        var ldimm = Assert.Single(CompatEngine.Relocate(obj, kernel, obj.Programs[0].Name).Fixups,
            f => f.Kind == FixupKind.KsymLdImm64 && f.Symbol == "bpf_prog_active");
        Assert.Equal(ldimm.Insn, reason.Insn);
        Assert.Contains("ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'", reason.Message);
    }

    [Fact]
    public void TypedKsym_ConfigWithKallsymsAll_Loads()
    {
        var obj = TestData.Fixture("ksym_typed_present", "bpfel");
        var kernel = WithConfig(Kernel612, new Dictionary<string, string> { ["CONFIG_KALLSYMS"] = "y", ["CONFIG_KALLSYMS_ALL"] = "y" });
        Assert.Equal(Verdict.Loads, CompatEngine.Check(obj, kernel, "k").Single().Verdict);
    }

    [Fact]
    public void TypedKsym_ConfigUnknown_JudgedOnBtfAlone()
    {
        var obj = TestData.Fixture("ksym_typed_present", "bpfel");
        var r = CompatEngine.Check(obj, WithConfig(Kernel612, null), "k").Single();
        Assert.Equal(Verdict.Loads, r.Verdict);
        Assert.DoesNotContain(r.Reasons, x => x.Code == ReasonCodes.KsymNotInKallsyms);
    }

    [Fact]
    public void WeakTypedKsym_MissingBecomesZero_NeedsNoKallsyms()
    {
        var obj = TestData.Fixture("ksym_typed_weak_missing", "bpfel");
        var kernel = WithConfig(Kernel612, new Dictionary<string, string> { ["CONFIG_KALLSYMS"] = "y" });
        Assert.Equal(Verdict.Loads, CompatEngine.Check(obj, kernel, "k").Single().Verdict);
    }

    [Fact]
    public void KallsymsReader_RunsOnlyForAProgramWithKsyms_AndOnce()
    {
        var reads = 0;
        var k = Kernel612;
        var kernel = new KernelBtfSet(k.Vmlinux, k.Modules, k.BtfSha256, k.Release, k.KfuncFlags, k.Config,
            readKallsyms: () => { reads++; return KallsymsTable.Build([("bpf_prog_put", 'T', 0xffffffff81000000UL)], "test"); });
        CompatEngine.Check(TestData.Fixture("xdp_pass"), kernel, "k");
        Assert.Equal(0, reads);                                           // no ksym: /proc/kallsyms is never read
        var r = CompatEngine.Check(TestData.Fixture("ksym_typeless_present"), kernel, "k").Single();
        Assert.Equal(Verdict.Loads, r.Verdict);                           // the table decided the typeless ksym
        CompatEngine.Check(TestData.Fixture("ksym_typeless_strong_missing"), kernel, "k");
        Assert.Equal(1, reads);
    }
}
