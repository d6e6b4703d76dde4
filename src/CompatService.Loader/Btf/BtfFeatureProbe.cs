using CompatService.Engine.Preparation;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Btf;

/// <summary>The running kernel's BTF features (libbpf's FEAT_BTF_*): the engine's probe blobs, loaded through bpf(2).</summary>
public static class BtfFeatureProbe
{
    public static KernelBtfFeatures Probe(BpfApi bpf) => KernelBtfFeatures.Probe(blob =>
    {
        var r = bpf.BtfLoad(blob, new LogOptions { InitialSize = 4096, MaxSize = 4096 });
        r.Fd?.Dispose();
        return r.Succeeded;
    });
}
