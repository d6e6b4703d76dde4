using BenchmarkDotNet.Attributes;
using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;
using CompatService.Kernels;
using CompatService.Reporting;

namespace CompatService.Benchmarks;

/// <summary>Where the engine benchmarks find their inputs: the repository's fixtures and, when present, the shared corpus.</summary>
internal static class EngineBenchInputs
{
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CompatService.sln"))) dir = dir.Parent;
            return dir?.FullName ?? Directory.GetCurrentDirectory();
        }
    }

    public static string Fixture(string name) => Path.Combine(RepoRoot, "tests", "fixtures", "bpf", name + ".bpfel.o");

    public static string CorpusBtf => Environment.GetEnvironmentVariable("COMPAT_CORPUS") is { Length: > 0 } c
        ? Path.Combine(c, "btf") : Path.Combine(RepoRoot, "..", "shared", "corpus", "btf");

    /// <summary>The host kernel when it has BTF, else the newest committed fixture kernel.</summary>
    public static KernelBtfSet HostKernel() =>
        File.Exists("/sys/kernel/btf/vmlinux")
            ? KernelInput.Load("/sys/kernel/btf/vmlinux").Btf
            : KernelInput.Load(Path.Combine(RepoRoot, "tests", "fixtures", "kernels", "debian-7.2.13+deb14-amd64")).Btf;

    /// <summary>Every corpus kernel (or the committed fixture kernels when the corpus is absent).</summary>
    public static IReadOnlyList<MatrixKernelInput> AllKernels()
    {
        var root = Directory.Exists(CorpusBtf) ? CorpusBtf : Path.Combine(RepoRoot, "tests", "fixtures", "kernels");
        return Directory.GetDirectories(root).Order().Select(d => new MatrixKernelInput(Path.GetFileName(d), KernelInput.Load(d).Btf)).ToArray();
    }
}

/// <summary>
/// One object's extern resolution and full verdict on the host kernel (kernel parsed once, as the agent and the service
/// cache it). Target: resolution ≤ 50 µs.
/// </summary>
[MemoryDiagnoser]
public class KfuncResolutionBenchmarks
{
    private KernelBtfSet _kernel = null!;
    private BpfObject _object = null!;

    [Params("iter_num_weak", "kfunc_module_ct", "kfunc_guard_spilled")]
    public string Fixture { get; set; } = "iter_num_weak";

    [GlobalSetup]
    public void Setup()
    {
        _kernel = EngineBenchInputs.HostKernel();
        _object = BpfObject.Parse(File.ReadAllBytes(EngineBenchInputs.Fixture(Fixture)));
    }

    [Benchmark(Description = "resolve externs")]
    public ObjectResolution Resolve() => ExternResolver.Resolve(_object, _kernel);

    [Benchmark(Description = "check (resolve + fixups + reachability + verdict)")]
    public int Check() => CompatEngine.Check(_object, _kernel, "host").Count;

    [Benchmark(Description = "parse object")]
    public BpfObject ParseObject() => BpfObject.Parse(File.ReadAllBytes(EngineBenchInputs.Fixture(Fixture)));
}

/// <summary>1 object × every corpus kernel (kernels parsed once): the matrix a CI check computes.</summary>
[MemoryDiagnoser]
public class MatrixBenchmarks
{
    private IReadOnlyList<MatrixKernelInput> _kernels = null!;
    private MatrixObjectInput _object = null!;

    [GlobalSetup]
    public void Setup()
    {
        _kernels = EngineBenchInputs.AllKernels();
        var path = EngineBenchInputs.Fixture("iter_num_weak");
        _object = new MatrixObjectInput(path, "bench", BpfObject.Parse(File.ReadAllBytes(path)));
    }

    [Benchmark(Description = "1 object x all corpus kernels")]
    public MatrixReport OneObjectAllKernels() => MatrixBuilder.Build([_object], _kernels);
}
