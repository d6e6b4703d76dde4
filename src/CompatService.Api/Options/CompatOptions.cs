using System.ComponentModel.DataAnnotations;
using CompatService.Engine.Binary;

namespace CompatService.Api.Options;

/// <summary>Section "Compat". Validated at start (a bad value stops the host before it serves).</summary>
public sealed class CompatOptions : IValidatableObject
{
    public const string Section = "Compat";

    /// <summary>Keys accepted in the X-Api-Key header for writes (env Compat__ApiKeys__0, ...). Never logged.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>When true, GET endpoints need a key too (except /health).</summary>
    public bool RequireKeyForReads { get; set; }

    /// <summary>Largest accepted upload (bytes). Larger bodies are refused with 413.</summary>
    [Range(1024, 4L * 1024 * 1024 * 1024)]
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Largest decompressed size of an upload (bytes): a decompression bomb is refused with 413.</summary>
    [Range(1024, 16L * 1024 * 1024 * 1024)]
    public long MaxDecompressedBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Background matrix workers in this process (0 = none; cells are then computed on read).</summary>
    [Range(0, 64)]
    public int Workers { get; set; } = 1;

    /// <summary>How long a taken job stays locked before another worker may retry it.</summary>
    [Range(5, 86400)]
    public int JobLeaseSeconds { get; set; } = 300;

    /// <summary>A job failing this many times is marked failed.</summary>
    [Range(1, 100)]
    public int JobMaxAttempts { get; set; } = 5;

    /// <summary>
    /// No longer bounds the kernel cache (kept so configurations that set it still start): parsed kernels are bounded by
    /// <see cref="KernelCacheMiB"/> only. A count cap evicted before the byte budget (32 kernels ≈ 200 MiB of a 512 MiB
    /// budget), so a fleet of 40 kernels cycling through it never hit (issue 13).
    /// </summary>
    [Range(1, 1 << 20)]
    public int KernelCacheSize { get; set; } = 32;

    /// <summary>Estimated memory for parsed kernels (MiB; raw BTF + index): the kernel cache evicts the least recently used beyond it.</summary>
    [Range(8, 1 << 20)]
    public int KernelCacheMiB { get; set; } = 512;

    /// <summary>Most objects one matrix batch computes on its leased kernel (the rest in the next lease).</summary>
    [Range(1, 100000)]
    public int MatrixBatchSize { get; set; } = 1000;

    /// <summary>
    /// Kernels one matrix worker leases in one round trip (issue 13: one UPDATE … SKIP LOCKED per several batches instead of
    /// one per batch). It computes them one after the other; a lease that expires meanwhile goes to another worker.
    /// </summary>
    [Range(1, 1000)]
    public int MatrixLeaseBatch { get; set; } = 4;

    /// <summary>Parsed objects kept in memory.</summary>
    [Range(1, 100000)]
    public int ObjectCacheSize { get; set; } = 512;

    /// <summary>Section Compat:Lab: the kernel lab workers (QEMU) of this process.</summary>
    public LabOptions Lab { get; set; } = new();

    /// <summary>Section Compat:Budget: how much analysis one upload and one matrix cell may cost.</summary>
    public BudgetOptions Budget { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ApiKeys.Any(string.IsNullOrWhiteSpace))
            yield return new ValidationResult("Compat:ApiKeys must not contain empty keys", [nameof(ApiKeys)]);
        if (ApiKeys.Any(k => k.Length < 8))
            yield return new ValidationResult("Compat:ApiKeys entries must be at least 8 characters", [nameof(ApiKeys)]);
        if (MaxDecompressedBytes < MaxUploadBytes)
            yield return new ValidationResult("Compat:MaxDecompressedBytes must be >= Compat:MaxUploadBytes", [nameof(MaxDecompressedBytes)]);
        foreach (var r in Budget.Check()) yield return r;
    }
}

/// <summary>Compat:Lab — when Enabled, this process runs queued lab runs (needs QEMU, busybox-static and the native agent).</summary>
public sealed class LabOptions
{
    public bool Enabled { get; set; }
    /// <summary>The native (AOT) compat-agent put into an amd64 guest.</summary>
    public string? Agent { get; set; }
    /// <summary>QEMU for amd64 guests; null: qemu-system-x86_64 from PATH.</summary>
    public string? Qemu { get; set; }
    /// <summary>A static busybox for amd64 guests; null: the host's /bin/busybox.</summary>
    public string? Busybox { get; set; }
    /// <summary>The compat-agent cross-compiled for linux-arm64 (scripts/build-agent-arm64.sh); null: arm64 runs fail with that reason.</summary>
    public string? Arm64Agent { get; set; }
    /// <summary>The arm64 sysroot (Debian's arm64 libc6, libssl3, busybox-static unpacked; scripts/build-agent-arm64.sh prepares one).</summary>
    public string? Arm64Sysroot { get; set; }
    /// <summary>QEMU for arm64 guests; null: qemu-system-aarch64 from PATH.</summary>
    public string? Arm64Qemu { get; set; }
    public string Accel { get; set; } = "auto";
    [Range(5, 3600)] public int BootTimeoutSeconds { get; set; } = 180;
    [Range(1, 3600)] public int ProgramTimeoutSeconds { get; set; } = 60;
    /// <summary>How long a taken run stays locked before another worker may take it again.</summary>
    [Range(60, 86400)] public int LeaseSeconds { get; set; } = 7200;
}

/// <summary>
/// Compat:Budget — the engine's work budget (<see cref="AnalysisBudget"/>: steps such as instructions linked or walked, BTF
/// types parsed; deterministic) and a wall-clock bound, per request (reading one upload: object parse, link and inspect;
/// kernel and module BTF parse) and per job (one object checked on one kernel, by the matrix worker or on read). An upload
/// over its budget is refused with 422 "too complex to analyse: ..." and nothing is stored; a cell over its budget is
/// stored as unknown (analysis-budget-exceeded) and the worker goes on.
/// </summary>
public sealed class BudgetOptions
{
    public long RequestWork { get; set; } = AnalysisBudget.DefaultUploadWork;
    public int RequestSeconds { get; set; } = 60;
    public long JobWork { get; set; } = AnalysisBudget.DefaultCellWork;
    public int JobSeconds { get; set; } = 60;

    /// <summary>The budget of one request's analysis; <paramref name="ct"/> is the request's abort token.</summary>
    public AnalysisBudget ForRequest(CancellationToken ct) => new(RequestWork, TimeSpan.FromSeconds(RequestSeconds), ct);

    /// <summary>The budget of one cell (one object on one kernel).</summary>
    public AnalysisBudget ForJob(CancellationToken ct) => new(JobWork, TimeSpan.FromSeconds(JobSeconds), ct);

    internal IEnumerable<ValidationResult> Check()
    {
        if (RequestWork < 1 || JobWork < 1)
            yield return new ValidationResult("Compat:Budget:RequestWork and Compat:Budget:JobWork must be at least 1 step", [nameof(RequestWork), nameof(JobWork)]);
        if (RequestSeconds is < 1 or > 86400 || JobSeconds is < 1 or > 86400)
            yield return new ValidationResult("Compat:Budget:RequestSeconds and Compat:Budget:JobSeconds must be 1..86400", [nameof(RequestSeconds), nameof(JobSeconds)]);
    }
}
