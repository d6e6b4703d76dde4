using CompatService.Engine.Analysis;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;
using CompatService.Kernels;

namespace CompatService.Engine.Tests.Kallsyms;

/// <summary>
/// Verdicts with the kernel's own kallsyms: a typed ksym (ld_imm64 of a BTF VAR) is looked up in kallsyms by the
/// verifier, so the image's table decides it (before the config's CONFIG_KALLSYMS_ALL); a kernel without an image keeps
/// the config rule. Real fixture (ksym_typed_present: bpf_prog_active), real corpus images where the corpus is present.
/// </summary>
public sealed class KallsymsVerdictTests
{
    private static KernelBtfSet Kernel612 => TestData.Kernel(TestData.FixtureKernelDir("debian-6.12.117+deb13-amd64")).Btf;

    private static KernelBtfSet With(KernelBtfSet k, IReadOnlyDictionary<string, string>? config, KallsymsTable? kallsyms) =>
        new(k.Vmlinux, k.Modules, k.BtfSha256, k.Release, k.KfuncFlags, config, kallsyms);

    private static KallsymsTable Table(params string[] names) =>
        KallsymsTable.Build(names.Select(n => (n, 'D', (ulong?)0xffffffff82000000UL)).ToList(), "test");

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void TypedKsym_InTheImagesKallsyms_Loads_EvenWhereTheConfigSaysOtherwise(string endian)
    {
        var obj = TestData.Fixture("ksym_typed_present", endian);
        var noAll = new Dictionary<string, string> { ["CONFIG_KALLSYMS"] = "y" };
        var r = CompatEngine.Check(obj, With(Kernel612, noAll, Table("bpf_prog_active", "runqueues")), "k").Single();
        Assert.Equal(Verdict.Loads, r.Verdict);
    }

    [Fact]
    public void TypedKsym_AbsentFromTheImagesKallsyms_Fails_NamingTheTable()
    {
        var obj = TestData.Fixture("ksym_typed_present", "bpfel");
        var r = CompatEngine.Check(obj, With(Kernel612, null, Table("runqueues")), "k").Single();
        Assert.Equal(Verdict.Fails, r.Verdict);
        var reason = Assert.Single(r.Reasons, x => x.Code == ReasonCodes.KsymNotInKallsyms);
        Assert.Contains("'s kallsyms (test): ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'", reason.Message);
    }

    [Fact]
    public void WeakTypedKsym_MissingFromBtf_NeedsNoKallsyms()
    {
        var obj = TestData.Fixture("ksym_typed_weak_missing", "bpfel");
        Assert.Equal(Verdict.Loads, CompatEngine.Check(obj, With(Kernel612, null, Table("runqueues")), "k").Single().Verdict);
    }

    [CorpusFact]
    public void KernelDoor_ImageCarriesKallsyms_RawBtfDoesNot()
    {
        var image = KernelInput.Load(KernelTestData.CorpusImage("debian-6.1.0-56-amd64", "vmlinuz")).Btf;
        Assert.NotNull(image.Kallsyms);
        Assert.True(image.Kallsyms.Contains("bpf_prog_active"));
        var raw = KernelInput.Load(KernelTestData.CorpusKernel("debian-6.1.0-56-amd64")).Btf;
        Assert.Null(raw.Kallsyms);
        Assert.Equal(image.BtfSha256, raw.BtfSha256);
    }
}
