namespace CompatService.Engine.Kernels;

/// <summary>
/// A kernel input unpacked to bytes and text, whatever it came from (an upload, a file, a corpus directory, the running
/// kernel): the vmlinux BTF (raw, gzip'd or ELF), module BTFs in load order, what the input says about release / arch /
/// flavour / distro, the config text, the KF_* flags of the image's .BTF_ids and the image's kallsyms. <see cref="Open"/> is the one place a
/// config is attached to a kernel.
/// </summary>
/// <param name="Form">How it came: "raw-btf", "gzip-raw-btf", "deb", "corpus-dir", "sysfs", ...</param>
public sealed record KernelSource(
    ReadOnlyMemory<byte> Vmlinux,
    IReadOnlyList<KeyValuePair<string, ReadOnlyMemory<byte>>> Modules,
    string Form,
    string? Release = null,
    string? Arch = null,
    string? Flavour = null,
    string? Distro = null,
    string? Config = null,
    IReadOnlyDictionary<string, uint>? KfuncFlags = null,
    KallsymsTable? Kallsyms = null)
{
    /// <summary>
    /// Reads the kallsyms when <see cref="Kallsyms"/> is null and they are wanted (the running kernel's /proc/kallsyms:
    /// read by the engine only when a program has ksyms, by the service when it stores the kernel); null when none.
    /// </summary>
    public Func<KallsymsTable?>? ReadKallsyms { get; init; }

    /// <summary>The kallsyms, read now if they are behind <see cref="ReadKallsyms"/>.</summary>
    public KallsymsTable? KallsymsNow() => Kallsyms ?? ReadKallsyms?.Invoke();

    /// <summary>The engine's kernel: BTF set with release, KF_* flags, the parsed config and the image's kallsyms; its BTF types are charged to <paramref name="budget"/>.</summary>
    public KernelBtfSet Open(Binary.AnalysisBudget? budget = null) =>
        KernelBtfReader.Open(Vmlinux, Modules, Release, KfuncFlags, Config is null ? null : KernelConfig.Parse(Config), budget, Kallsyms, ReadKallsyms);
}
