namespace CompatService.Engine.Kernels;

/// <summary>
/// What names a kernel and came with it beside its BTF: its identity (sha256 of the raw vmlinux BTF, release) and the
/// image's facts (KF_* flags from .BTF_ids, the config). Carried as one value by the full kernel (<see cref="KernelBtfSet"/>)
/// and by its compact surface (<see cref="Surface.KernelSurface"/>).
/// </summary>
/// <param name="BtfSha256">sha256 (lower-case hex) of the raw vmlinux BTF bytes: the kernel's identity.</param>
/// <param name="KfuncFlags">kfunc name → KF_* flags from .BTF_ids; null when the kernel came without an image.</param>
/// <param name="Config">The kernel config (CONFIG_X → value as written: y, m, 100, "str"); null when it is not known.</param>
public sealed record KernelDescriptor(string BtfSha256, string? Release, IReadOnlyDictionary<string, uint>? KfuncFlags,
    IReadOnlyDictionary<string, string>? Config);
