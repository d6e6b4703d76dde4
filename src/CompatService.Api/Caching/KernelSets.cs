using CompatService.Engine;
using CompatService.Engine.Kernels;

namespace CompatService.Api.Caching;

/// <summary>Opens a kernel with the engine, with its config when one came with it (kconfig externs depend on it).</summary>
public static class KernelSets
{
    public static KernelBtfSet Open(ReadOnlyMemory<byte> vmlinux, IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>> modules,
        string? release, IReadOnlyDictionary<string, uint>? kfuncFlags, string? configText)
    {
        var set = CompatEngine.OpenKernel(vmlinux, modules, release, kfuncFlags);
        return WithConfig(set, configText is null ? null : KernelConfig.Parse(configText));
    }

    public static KernelBtfSet WithConfig(KernelBtfSet set, IReadOnlyDictionary<string, string>? config) =>
        config is null ? set : new KernelBtfSet(set.Vmlinux, set.Modules, set.BtfSha256, set.Release, set.KfuncFlags, config);
}
