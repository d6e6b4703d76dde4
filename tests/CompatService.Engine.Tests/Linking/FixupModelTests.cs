using CompatService.Engine.Analysis;
using CompatService.Engine.Asm;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Linking;

/// <summary>
/// The typed fixup model: a closed set of kinds with extern indices, one <see cref="FixupApplier"/> for the verdict walk
/// and the agent, (the wire kind names: Reporting.Tests FixupMappingTests).
/// </summary>
public sealed class FixupModelTests
{
    private static Kernels.KernelBtfSet Kernel72 => TestData.Kernel(TestData.FixtureKernelDir("debian-7.2.13+deb14-amd64")).Btf;

    [Fact]
    public void ExternFixups_ReferToTheirExternByIndex()
    {
        foreach (var name in TestData.FixtureNames())
        {
            var obj = TestData.Fixture(name);
            foreach (var a in CompatEngine.Analyze(obj, Kernel72, "7.2"))
                foreach (var f in a.Fixups.Where(f => f.Kind != FixupKind.Core))
                    Assert.Equal(f.Symbol, obj.Externs[f.Extern!.Value].Name);
        }
    }

    /// <summary>
    /// The agent's apply (host values given, all fds 0 and no kallsyms) rewrites every fixture program exactly as the
    /// verdict walk's apply did, apart from the map references only the host fills: one Apply, two callers.
    /// </summary>
    [Fact]
    public void HostApply_WithZeroHostValues_EqualsTheAnalysisRelocation()
    {
        var zeroHost = new HostValues
        {
            MapFd = _ => 0, KconfigMapFd = 0, Kallsyms = _ => 0,
        };
        var compared = 0;
        foreach (var name in TestData.FixtureNames())
        {
            var obj = TestData.Fixture(name);
            foreach (var a in CompatEngine.Analyze(obj, Kernel72, "7.2"))
            {
                if (a.Fixups.Any(f => f.Module is not null)) continue; // module BTF fds are host-only
                var patched = FixupApplier.Apply(a.Program, a.Fixups, obj.Externs, zeroHost);
                Assert.Null(patched.Error);
                var mapInsns = a.Program.References.Where(r => r.Kind is InsnReferenceKind.Map or InsnReferenceKind.GlobalData)
                    .SelectMany(r => new[] { r.Insn, r.Insn + 1 }).ToHashSet();
                for (var i = 0; i < a.Relocated.Count; i++)
                    if (!mapInsns.Contains(i)) Assert.Equal(a.Relocated[i], patched.Instructions[i]);
                compared++;
            }
        }
        Assert.True(compared > 20, $"only {compared} programs compared");
    }

    [Fact]
    public void AnalysisApply_LeavesHostValuesZero_KconfigOffsetFromTheExtern()
    {
        var obj = TestData.Fixture("kconfig_externs");
        var a = CompatEngine.Analyze(obj, Kernel72, "7.2")[0];
        var kconfig = a.Fixups.Where(f => f.Kind == FixupKind.KconfigLdImm64).ToArray();
        Assert.NotEmpty(kconfig);
        foreach (var f in kconfig)
        {
            Assert.Equal(new Instruction(Opcodes.LdImm64, a.Program.Instructions[f.Insn].Dst, Opcodes.PseudoMapValue, 0, 0), a.Relocated[f.Insn]);
            Assert.Equal((int)obj.Externs[f.Extern!.Value].KconfigOffset, a.Relocated[f.Insn + 1].Imm);
        }
    }
}
