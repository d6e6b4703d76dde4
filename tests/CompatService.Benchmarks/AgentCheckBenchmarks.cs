using BenchmarkDotNet.Attributes;
using CompatService.Engine;
using CompatService.Engine.Kernels;

namespace CompatService.Benchmarks;

/// <summary>
/// `compat-agent check` with the kernel cached: open + check of one fixture object against this host's kernel
/// (or the default BTF blob). The agent's own `bench` command measures the same loop with p50/p99 and VmRSS.
/// </summary>
[MemoryDiagnoser]
public class AgentCheckBenchmarks
{
    private KernelBtfSet _kernel = null!;
    private byte[] _object = [];

    [Params("xdp_pass", "kfunc_module_ct", "socket_filter_map")]
    public string Fixture { get; set; } = "xdp_pass";

    [GlobalSetup]
    public void Setup()
    {
        _kernel = CompatEngine.OpenKernel(BenchData.Load(BenchData.DefaultBlobPath()), release: "bench");
        _object = File.ReadAllBytes(Path.Combine(BenchData.RepoRoot() ?? ".", "tests", "fixtures", "bpf", Fixture + ".bpfel.o"));
        CompatEngine.Check(CompatEngine.OpenObject(_object), _kernel, "bench"); // first use builds the kernel's lazy indexes
    }

    [Benchmark]
    public int CheckWithCachedKernel() => CompatEngine.Check(CompatEngine.OpenObject(_object), _kernel, "bench").Count;
}
