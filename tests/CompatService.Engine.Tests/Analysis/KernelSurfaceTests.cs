using System.Text.Json;
using CompatService.Engine.Analysis;
using CompatService.Engine.Kernels;
using CompatService.Engine.Kernels.Surface;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// The kernel surface (<see cref="KernelSurface"/>, issue 13 §2): every object the surface says it decides gets exactly the
/// verdicts of the full kernel BTF — every fixture object (both byte orders) on the committed kernels, and the corpus
/// objects on the corpus kernels (with their modules, images' kallsyms and KF_* flags) when ../shared/corpus is present.
/// The surface goes through its stored form (encode, decode) first, as the service uses it.
/// </summary>
public sealed class KernelSurfaceTests(ITestOutputHelper output)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    [Fact]
    public void Fixtures_OnCommittedKernels_SurfaceVerdictsEqualFullBtf()
    {
        var kernels = Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal)
            .Select(d => TestData.Kernel(d).Btf).ToList();
        var files = TestData.FixtureNames().SelectMany(n => new[] { TestData.FixturePath(n), TestData.FixturePath(n, "bpfeb") }).Where(File.Exists).ToList();
        var (decided, total) = Compare(files, kernels);
        Assert.True(decided > total / 4, $"the surface decided only {decided} of {total} object × kernel pairs");
    }

    [CorpusFact]
    public void CorpusObjects_OnCorpusKernels_SurfaceVerdictsEqualFullBtf()
    {
        var kernels = TestData.CorpusKernelDirs().Select(d => TestData.Kernel(TestData.CorpusKernelDir(d)).Btf).ToList();
        var files = Directory.GetFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        files.AddRange(TestData.FixtureNames().Select(n => TestData.FixturePath(n)).Where(File.Exists));
        var (decided, _) = Compare(files, kernels);
        Assert.True(decided > 0, "the surface decided no pair");
    }

    [CorpusFact]
    public void SyscallWrapperReader_IsDecidedByTheSurface_AsOnTheFullKernel_OnEveryCorpusKernel()
    {
        // LINUX_HAS_SYSCALL_WRAPPER: libbpf's probe looks for __<arch>_sys_bpf among the BTF's FUNCs and in kallsyms; the
        // surface (format 2) carries both facts, so the object is judged on it with the full kernel's verdicts.
        var obj = CompatEngine.OpenObject(File.ReadAllBytes(TestData.FixturePath("kconfig_syscall_wrapper")));
        foreach (var dir in TestData.CorpusKernelDirs())
        {
            var kernel = TestData.Kernel(TestData.CorpusKernelDir(dir)).Btf;
            var surface = KernelSurfaceCodec.Decode(KernelSurfaceCodec.Encode(KernelSurface.Of(kernel)));
            Assert.True(surface.Decides(obj), $"{dir}: the surface does not decide kconfig_syscall_wrapper");
            Assert.Equal(kernel.Kallsyms is not null, surface.KallsymsEntryPoints is not null);
            Assert.Equal(CompatService.Engine.Linking.SyscallWrapperProbe.Value(kernel, out var why), CompatService.Engine.Linking.SyscallWrapperProbe.Value(surface.Kernel, out var surfaceWhy));
            Assert.Equal(why, surfaceWhy);
            Assert.Equal(Render(obj, kernel), Render(obj, surface.Kernel));
        }
    }

    [Fact]
    public void SleepableProgramWithKfuncs_IsDecidedByTheSurface_WithTheFullKernelsTimerContext()
    {
        // async_cb_sleepable: a KF_SLEEPABLE kfunc in a sleepable program's bpf_timer callback; the verdict hangs on
        // bpf_insn_aux_data.non_sleepable (7.2's BTF has it, 6.12's not), which the surface (format 3) carries.
        var dirs = Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal).ToList();
        if (TestPaths.HasCorpus) dirs.AddRange(TestData.CorpusKernelDirs().Select(TestData.CorpusKernelDir));
        int marked = 0, unmarked = 0;
        foreach (var dir in dirs)
        {
            var kernel = TestData.Kernel(dir).Btf;
            var surface = KernelSurfaceCodec.Decode(KernelSurfaceCodec.Encode(KernelSurface.Of(kernel)));
            var full = TimerCallbackContext.NonSleepableInSleepableProgram(kernel, out var why);
            Assert.Equal(full, TimerCallbackContext.NonSleepableInSleepableProgram(surface.Kernel, out var surfaceWhy));
            Assert.Equal(why, surfaceWhy);
            // Decides may still refuse for another reason (a kfunc the surface cannot settle on that kernel): then the full
            // kernel judges it; where it decides, the verdicts are the full kernel's.
            var decided = 0;
            foreach (var order in new[] { "bpfel", "bpfeb" })
            {
                var obj = TestData.Fixture("async_cb_sleepable", order);
                if (!surface.Decides(obj)) continue;
                decided++;
                Assert.Equal(Render(obj, kernel), Render(obj, surface.Kernel));
            }
            output.WriteLine($"{Path.GetFileName(dir)}: timer context {full?.ToString() ?? "undecided"} ({why}); surface decided {decided} of 2");
            if (decided == 2 && why.Contains("non_sleepable", StringComparison.Ordinal) && full == true) marked++;
            if (decided == 2 && full == false) unmarked++;
        }
        Assert.True(marked > 0 && unmarked > 0, $"the surface decided async_cb_sleepable on {marked} kernels with bpf_insn_aux_data.non_sleepable and {unmarked} without");
    }

    [Fact]
    public void Surface_RoundTripsAndKeepsTheKernelsEnums()
    {
        foreach (var dir in Directory.GetDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Order(StringComparer.Ordinal))
        {
            var kernel = TestData.Kernel(dir).Btf;
            var blob = KernelSurfaceCodec.Encode(KernelSurface.Of(kernel));
            var surface = KernelSurfaceCodec.Decode(blob);
            Assert.Equal(kernel.BtfSha256, surface.Descriptor.BtfSha256);
            Assert.Equal(kernel.Release, surface.Descriptor.Release);
            Assert.Equal(kernel.HasKfuncTags, surface.Kernel.HasKfuncTags);
            foreach (var (a, b) in new[]
                     {
                         (kernel.Enums.Helpers, surface.Enums.Helpers), (kernel.Enums.ProgramTypes, surface.Enums.ProgramTypes),
                         (kernel.Enums.AttachTypes, surface.Enums.AttachTypes), (kernel.Enums.MapTypes, surface.Enums.MapTypes),
                         (kernel.Enums.LinkTypes, surface.Enums.LinkTypes), (kernel.Enums.Features, surface.Enums.Features),
                     })
                Assert.Equal(a, b);
            Assert.True(blob.Length < kernel.Vmlinux.RawBytes.Length / 4, $"{Path.GetFileName(dir)}: surface {blob.Length} bytes vs BTF {kernel.Vmlinux.RawBytes.Length}");
            output.WriteLine($"{Path.GetFileName(dir)}: BTF {kernel.Vmlinux.RawBytes.Length} bytes, surface {blob.Length} bytes ({surface.KernelIds.Count - 1} types)");
        }
    }

    [Fact]
    public void Decode_RefusesAnotherFormat()
    {
        Assert.Throws<Binary.BpfFormatException>(() => KernelSurfaceCodec.Decode([(byte)'C', (byte)'K', (byte)'S', 0, 1, 2]));
        Assert.False(KernelSurfaceCodec.IsCurrent("CKS"u8));
    }

    /// <summary>Asserts surface == full for every pair the surface decides; returns (decided, total) pairs.</summary>
    private (int Decided, int Total) Compare(IReadOnlyList<string> files, IReadOnlyList<KernelBtfSet> kernels)
    {
        var surfaces = kernels.Select(k => KernelSurfaceCodec.Decode(KernelSurfaceCodec.Encode(KernelSurface.Of(k)))).ToList();
        int decided = 0, total = 0;
        foreach (var file in files)
        {
            BpfObject obj;
            try { obj = CompatEngine.OpenObject(File.ReadAllBytes(file)); }
            catch (Binary.BpfFormatException) { continue; }
            for (var i = 0; i < kernels.Count; i++)
            {
                total++;
                if (!surfaces[i].Decides(obj)) continue;
                decided++;
                Assert.True(surfaces[i].Kernel.IsSurface);
                var full = Render(obj, kernels[i]);
                Assert.Equal(full, Render(obj, surfaces[i].Kernel));
            }
        }
        output.WriteLine($"surface decided {decided} of {total} object × kernel pairs");
        Assert.True(total > 0, "no object × kernel pair");
        return (decided, total);
    }

    internal static string Render(BpfObject obj, KernelBtfSet kernel)
    {
        try
        {
            return JsonSerializer.Serialize(CompatEngine.Check(obj, kernel, "k"), Json);
        }
        catch (Binary.BpfFormatException e)
        {
            return "error: " + e.Message;
        }
    }
}
