using CompatService.Engine.Analysis.Rules;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.KernelFacts;

/// <summary>
/// A kernel uploaded as raw BTF (no image, so no .BTF_ids KF_* flags) gets the same verdicts as the same kernel with its
/// image's flags: the kernel-facts table of its version fills the gap.
/// </summary>
public sealed class RawBtfVersusImageTests
{
    public static TheoryData<string> KernelsWithImageFlags() => KernelFactsTablesTests.CorpusKernelsWithImageFlags();

    [CorpusTheory]
    [MemberData(nameof(KernelsWithImageFlags))]
    public void EveryFixture_GetsTheSameVerdict_WithAndWithoutTheImageFlags(string dir)
    {
        var image = TestData.Kernel(TestData.CorpusKernelDir(dir)).Btf;
        Assert.NotNull(image.KfuncFlags);
        var raw = new KernelBtfSet(image.Vmlinux, image.Modules, image.BtfSha256, image.Release, kfuncFlags: null, image.Config);
        var differ = new List<string>();
        foreach (var name in TestData.FixtureNames())
        {
            var obj = TestData.Fixture(name);
            var withImage = CompatEngine.Check(obj, image, dir);
            var withoutImage = CompatEngine.Check(obj, raw, dir);
            for (var i = 0; i < obj.Programs.Count; i++)
            {
                var a = withImage[i];
                var b = withoutImage[i];
                // notes may differ (the image also says which functions are kfuncs: kfunc-tags-unavailable without it)
                var codesA = a.Reasons.Where(r => RuleCatalog.SeverityOf(r.Code) != Severity.Note).Select(r => r.Code);
                var codesB = b.Reasons.Where(r => RuleCatalog.SeverityOf(r.Code) != Severity.Note).Select(r => r.Code);
                if (a.Verdict != b.Verdict || !codesA.SequenceEqual(codesB))
                    differ.Add($"{name}/{obj.Programs[i].Name}: image {a.Verdict} [{string.Join(",", codesA)}], raw BTF {b.Verdict} [{string.Join(",", codesB)}]");
            }
        }
        Assert.True(differ.Count == 0, string.Join("\n", differ));
    }
}
