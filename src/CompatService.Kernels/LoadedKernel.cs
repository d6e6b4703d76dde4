using CompatService.Engine.Kernels;

namespace CompatService.Kernels;

/// <summary>A kernel loaded from disk: its BTF set plus the labels its directory or the host gave.</summary>
/// <param name="Name">Directory name (e.g. debian-6.1.0-47-amd64) or file name.</param>
/// <param name="Source">The path it was loaded from.</param>
public sealed record LoadedKernel(KernelBtfSet Btf, string Name, string Source, string? Arch = null, string? Flavour = null,
    string? Distro = null)
{
    public string? Release => Btf.Release;
}
