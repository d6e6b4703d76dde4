using CompatService.Api.Ingest;
using CompatService.Engine.Analysis;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// The Kernels page's kfunc inventory (kernel_symbols rows of Kind "func") is exactly the set of functions the verdicts
/// treat as kfuncs (<see cref="KernelFeatures.IsKfunc"/> true; a vmlinux name wins over a module's copy), on every
/// corpus kernel and every fixture kernel.
/// </summary>
public sealed class KfuncInventoryTests
{
    public static TheoryData<string> FixtureKernels() =>
        new(Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal));

    public static TheoryData<string> CorpusKernels()
    {
        var root = Path.Combine(TestPaths.Corpus, "btf");
        var dirs = Directory.Exists(root) ? Directory.GetDirectories(root).Order(StringComparer.Ordinal).ToArray() : [];
        return dirs.Length == 0 ? new TheoryData<string>("(corpus absent)") : new TheoryData<string>(dirs);
    }

    private static void AssertInventoryIsTheVerdictsIdea(KernelBtfSet kernel)
    {
        var expected = new List<(string?, string)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var blobs = new List<(string? Module, BtfSpec Spec)> { (null, kernel.Vmlinux) };
        blobs.AddRange(kernel.Modules.Select(m => ((string?)m.Name, m.Spec)));
        foreach (var (module, spec) in blobs)
            foreach (var id in spec.Funcs())
                if (KernelFeatures.IsKfunc(kernel, spec, id) == true && seen.Add(spec.NameOf(id)))
                    expected.Add((module, spec.NameOf(id)));

        var inventory = KernelSymbolIndexer.Build(kernel).Symbols.Where(s => s.Kind == "func").Select(s => (s.Module, s.Name)).ToList();
        Assert.Equal(expected.Order(), inventory.Order());
    }

    [Theory]
    [MemberData(nameof(FixtureKernels))]
    public void FixtureKernel_InventoryEqualsVerdicts(string dir) =>
        AssertInventoryIsTheVerdictsIdea(KernelInput.Load(dir).Btf);

    [CorpusTheory]
    [MemberData(nameof(CorpusKernels))]
    public void CorpusKernel_InventoryEqualsVerdicts(string dir)
    {
        if (!Directory.Exists(dir)) return; // the theory is skipped as a whole when the corpus is absent
        AssertInventoryIsTheVerdictsIdea(KernelInput.Load(dir).Btf);
    }

    [Fact]
    public void KfFlagNames_AreTheEngines()
    {
        var kernel = KernelInput.Load(Path.Combine(TestPaths.Fixtures, "kernels", "debian-7.2.13+deb14-amd64")).Btf;
        var row = KernelSymbolIndexer.Build(kernel).Symbols.First(s => s.Kind == "func" && s.Flags is > 0);
        var dto = Mapping.DtoMapping.ToDto(row);
        Assert.Equal(KfFlagNames.Of((uint)row.Flags!.Value), dto.FlagNames);
    }
}
