namespace CompatService.Kernels;

/// <summary>Size limits for kernel ingestion. Anything larger is refused with an InputLimitException (a BpfFormatException), never swallowed.</summary>
public sealed record IngestLimits
{
    /// <summary>Largest input accepted (a .deb of a kernel with all modules is ~100 MB).</summary>
    public long MaxInputBytes { get; init; } = 512L << 20;
    /// <summary>Largest result of any one decompression (a vmlinux is ~30–70 MB; a data.tar of a kernel package ~500 MB).</summary>
    public long MaxDecompressedBytes { get; init; } = 1L << 30;
    /// <summary>Largest decompressed kernel image (vmlinux or raw arm64 Image).</summary>
    public long MaxImageBytes { get; init; } = 256L << 20;
    /// <summary>Largest single module (.ko after decompression).</summary>
    public long MaxModuleBytes { get; init; } = 64L << 20;
    /// <summary>Most modules read from one package.</summary>
    public int MaxModules { get; init; } = 20_000;
    /// <summary>Largest kernel config file.</summary>
    public long MaxConfigBytes { get; init; } = 4L << 20;
    /// <summary>Largest raw BTF blob.</summary>
    public long MaxBtfBytes { get; init; } = 64L << 20;

    /// <summary>Keep only modules whose .BTF_ids hold a kfunc set (the ones that can contribute kfuncs). False keeps every module with .BTF.</summary>
    public bool ModulesWithKfuncSetsOnly { get; init; } = true;

    public static IngestLimits Default { get; } = new();

    /// <summary>These limits with one decompression budget for everything (what a service configures).</summary>
    public IngestLimits WithDecompressionBudget(long maxDecompressedBytes) => this with
    {
        MaxDecompressedBytes = maxDecompressedBytes,
        MaxImageBytes = Math.Min(MaxImageBytes, maxDecompressedBytes),
        MaxModuleBytes = Math.Min(MaxModuleBytes, maxDecompressedBytes),
        MaxBtfBytes = Math.Min(MaxBtfBytes, maxDecompressedBytes),
    };
}
