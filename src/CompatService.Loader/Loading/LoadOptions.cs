using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Loading;

/// <summary>How an object is loaded.</summary>
public sealed record LoadOptions
{
    /// <summary>Object name: prefix of internal map names (libbpf: up to 8 characters of it before ".rodata" etc.).</summary>
    public string ObjectName { get; init; } = "obj";
    /// <summary>Programs to load by name; null = every program marked for autoload (like `bpftool prog loadall`).</summary>
    public IReadOnlySet<string>? Programs { get; init; }
    /// <summary>Pin loaded programs (and maps with pinning = by-name) under this bpffs directory.</summary>
    public string? PinDirectory { get; init; }
    /// <summary>
    /// The generic run-time fixups skeleton tools apply (and the corpus' libbpf runs used): maps left at max_entries 0
    /// get sized, stack-trace maps without a value size get one.
    /// </summary>
    public bool SizeUnsizedMaps { get; init; }
    public int UnsizedMaxEntries { get; init; } = Math.Max(1, Environment.ProcessorCount);
    public LogOptions Log { get; init; } = LogOptions.Default;
    /// <summary>Keep the verifier log of successful loads too (only logged when a load fails otherwise).</summary>
    public int VerifierTailLines { get; init; } = 12;
}
