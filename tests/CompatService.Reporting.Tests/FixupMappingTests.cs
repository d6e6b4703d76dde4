using CompatService.Engine;
using CompatService.Engine.Linking;
using CompatService.Tests.Shared;

namespace CompatService.Reporting.Tests;

/// <summary>The engine's typed fixup kinds get their wire names only here, at the edge.</summary>
public sealed class FixupMappingTests
{
    [Fact]
    public void EveryFixupKind_HasOneWireName()
    {
        var names = Enum.GetValues<FixupKind>().Where(k => k != FixupKind.Core)
            .Select(k => FixupMapping.KindName(new Fixup(0, k, "x", null, null, 0, 0, 0))).ToArray();
        Assert.Equal(names.Length, names.Distinct().Count());
        Assert.Equal("core-field-byte-offset",
            FixupMapping.KindName(new Fixup(0, FixupKind.Core, "x", null, null, 0, 0, 0) { CoreKind = CoreReloKind.FieldByteOffset }));
    }

    private static Engine.Kernels.KernelBtfSet Kernel72 => TestData.Kernel(TestData.FixtureKernelDir("debian-7.2.13+deb14-amd64")).Btf;

    [Fact]
    public void WireFixups_KeepEveryValue()
    {
        var obj = TestData.Fixture("kfunc_strong_present");
        var r = CompatEngine.Relocate(obj, Kernel72, obj.Programs[0].Name);
        var wire = r.ToContract();
        Assert.Equal(r.Fixups.Select(f => (f.Insn, f.Symbol, f.BtfId, f.Module, f.Imm, f.Src, f.Off, f.ModuleSlot)),
            wire.Fixups.Select(f => (f.Insn, f.Symbol, f.BtfId, f.Module, f.Imm, f.Src, f.Off, f.ModuleSlot)));
        Assert.Equal(r.Result.Verdict.ToContract(), wire.Result.Verdict);
    }
}
