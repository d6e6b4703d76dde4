using CompatService.Engine.Linking;
using CompatService.Engine.Kernels;
using CompatService.HostKernels;
using CompatService.Engine.Preparation;
using CompatService.Loader.Btf;
using CompatService.Loader.Loading;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Discovery;

/// <summary>
/// The host, discovered once per process: files (BTF, release, config) eagerly, the engine kernel, kernel BTF object
/// fds, kallsyms and BTF feature probes lazily (the last three need bpf(2) / root only when something is loaded).
/// </summary>
public sealed class HostSession : IDisposable
{
    private readonly Lazy<KernelBtfSet> _kernel;
    private readonly Lazy<KernelBtfObjects> _btfObjects;
    private readonly Lazy<KernelBtfFeatures> _features;

    public HostSession(HostKernel host, BpfApi bpf)
    {
        Host = host;
        Bpf = bpf;
        _kernel = new(host.OpenEngineKernel);
        _btfObjects = new(() => KernelBtfObjects.Discover(bpf));
        _features = new(() => BtfFeatureProbe.Probe(bpf));
    }

    public HostKernel Host { get; }
    public BpfApi Bpf { get; }
    public KernelBtfSet Kernel => _kernel.Value;
    public KernelBtfObjects BtfObjects => _btfObjects.Value;

    public LoadTarget LoadTarget() => new()
    {
        Kernel = Kernel,
        ModuleBtfFds = BtfObjects.ModuleFds,
        Kallsyms = name => Host.Kallsyms?.FindKsym(name) is { Found: true, Address: { } a } && a != 0 ? a : null,
        Features = _features.Value,
        KernelVersionCode = KconfigValues.VersionCode(Host.Release),
    };

    public void Dispose()
    {
        if (_btfObjects.IsValueCreated) _btfObjects.Value.Dispose();
    }
}
