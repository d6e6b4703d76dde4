using CompatService.Engine;
using CompatService.Engine.Analysis;
using CompatService.Lab;
using CompatService.Reporting;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Lab.Tests;

/// <summary>
/// Module kfuncs for real: Debian's linux-image-6.1.0-56-amd64-unsigned package (scripts/fetch-lab-package.sh; the same
/// kernel as the corpus image, BTF sha256 equal) — the lab takes its kfunc-set modules and their dependencies, boots the
/// package's vmlinuz with them inserted, and the cells that call a module kfunc are predicted with those modules' BTF.
/// </summary>
public sealed class LabPackageTests(ITestOutputHelper output)
{
    [LabPackageFact]
    public void Package_IsTheCorpusKernel_AndSelectsTheKfuncModulesWithTheirDependencies()
    {
        var kernel = LabKernelImage.Open(LabHost.Package, LabHost.KernelDir);
        var names = kernel.Modules.InOrder.Select(m => m.Name).ToList();
        output.WriteLine($"{kernel.Modules.DependencySource}: {string.Join(' ', names)}; {kernel.Modules.TotalBytes} bytes");
        foreach (var n in kernel.Modules.Notes) output.WriteLine($"note: {n}");

        // the guest BTF check holds: the package's image is the corpus kernel (LabKernelImage.Open refuses otherwise)
        Assert.Equal(LabKernelImage.Open(LabHost.Image, LabHost.KernelDir).BtfSha256, kernel.BtfSha256);
        Assert.Equal(".modinfo depends", kernel.Modules.DependencySource); // Debian ships no modules.dep (depmod writes it)
        var kfuncModules = kernel.Modules.InOrder.Where(m => m.KfuncSets).Select(m => m.Name).ToList();
        Assert.Contains("nf_conntrack", kfuncModules);
        Assert.Contains("nf_nat", kfuncModules);
        foreach (var m in kernel.Modules.InOrder)
            foreach (var d in m.DependsOn)
                Assert.True(names.IndexOf(d) is var i && i >= 0 && i < names.IndexOf(m.Name), $"{m.Name} needs {d} inserted before it");
        Assert.Contains("nf_conntrack", kernel.Modules.InOrder.Single(m => m.Name == "nf_nat").DependsOn);
        // libcrc32c's init asks the crypto API for "crc32c" (softdep pre: crc32c): its generic provider goes first
        Assert.Equal(["crc32c_generic"], kernel.Modules.InOrder.Single(m => m.Name == "libcrc32c").DependsOn);
        Assert.Equal("nf_conntrack", kernel.ModuleKfuncs(["nf_conntrack"])["bpf_xdp_ct_lookup"]);
    }

    [LabPackageFact]
    public void TypelessKsyms_WithTheModulesInserted_AreDecidedFromTheirSymbols_UnknownWhenOneFailed()
    {
        var kernel = LabKernelImage.Open(LabHost.Package, LabHost.KernelDir);
        var all = kernel.Modules.InOrder.Select(m => m.Name).ToList();
        var table = kernel.GuestKallsyms(all, out var why);
        Assert.Null(why);
        Assert.True(table!.IncludesModules);
        Assert.True(table.Contains("nf_conntrack_find_get"), "nf_conntrack's exported text symbol is listed once it is inserted");
        Assert.False(kernel.Kallsyms!.Contains("nf_conntrack_find_get"), "the image's own table lists vmlinux only");

        var objects = LabRunner.ReadObjects(new[] { "ksym_typeless_strong_missing", "ksym_typeless_module" }
            .Select(f => Path.Combine(TestPaths.Fixtures, "bpf", f + ".bpfel.o")).ToList(), null);
        (Contracts.Verdict, string?) Predict(LabObject o, IReadOnlyCollection<string> inserted)
        {
            var p = CompatEngine.Check(o.Object, kernel.GuestKernel(inserted), "6.1").ToContract().Single();
            return (p.Verdict, p.Reasons.FirstOrDefault()?.Code);
        }
        Assert.Equal((Contracts.Verdict.Loads, null), Predict(objects[1], all));
        Assert.Equal((Contracts.Verdict.Fails, ReasonCodes.TypelessKsymMissing), Predict(objects[0], all));
        // one module did not insert: which symbols the guest lists is not certain, the name stays unknown
        Assert.Equal((Contracts.Verdict.Unknown, ReasonCodes.TypelessKsymModuleUnknown), Predict(objects[0], all.Where(n => n != "tcp_dctcp").ToList()));
    }

    [LabPackageBootFact]
    public async Task ModuleKfuncFixtures_On61Package_ObservedEqualsPredicted()
    {
        var objects = new[] { "kfunc_module_ct", "kfunc_module_ct_weak", "xdp_pass" }
            .Select(f => Path.Combine(TestPaths.Fixtures, "bpf", f + ".bpfel.o")).ToList();
        var options = new LabRunOptions
        {
            Image = LabHost.Package, KernelDirectory = LabHost.KernelDir, Objects = objects, Agent = LabHost.Agent,
            BootTimeout = TimeSpan.FromSeconds(240), ProgramTimeout = TimeSpan.FromSeconds(60), Progress = output.WriteLine,
        };
        var (kernel, _, run, cells) = await LabTestRun.RunAndCompareAsync(options, output);
        Assert.Equal(kernel.Modules.InOrder.Select(m => m.Name), run.Modules.Select(m => m.Name));
        Assert.Contains("nf_conntrack", run.Inserted);

        foreach (var c in cells)
            output.WriteLine($"{c.Object} {c.Program}: predicted {c.Predicted} [{c.Code}], observed {c.Observed.Status} " +
                $"{c.Observed.VerifierTail?.Split('\n').LastOrDefault()} (module kfuncs: {string.Join(' ', c.ModuleKfuncs)})");
        Assert.Equal(3, cells.Count(c => c.ModuleKfuncs.Count > 0));
        Assert.All(cells, c => Assert.True(c.Agreement == LabAgreement.Agreed,
            $"{c.Object} {c.Program}: predicted {c.Predicted} [{c.Code}], observed {c.Observed.Status}"));
        // a module kfunc that loads proves the module really was inserted and its kfunc resolved in the guest
        Assert.Contains(cells, c => c.ModuleKfuncs.Count > 0 && c.Observed.Loaded == true);
    }
}
