namespace CompatService.Data.Entities;

/// <summary>
/// A kernel's compact surface (Engine <c>KernelSurface</c>, issue 13 §2): what a matrix cell without CO-RE needs from the
/// kernel, computed at ingest (or on first use for kernels stored before it existed) so such cells never fetch nor parse
/// the full BTF. One per kernel; rebuilt when its format or the kernel's inputs (<see cref="KernelKey"/>) change.
/// </summary>
public sealed class KernelSurfaceEntity : IOnePerKernel
{
    public long KernelId { get; set; }
    /// <summary>The engine's surface format it was written in.</summary>
    public int Format { get; set; }
    /// <summary>What the kernel was when the surface was computed (BTF sha, modules, flags, config, release, kallsyms).</summary>
    public required string KernelKey { get; set; }
    /// <summary>The engine's stored form (KernelSurfaceCodec: Brotli'd binary).</summary>
    public required byte[] Data { get; set; }
    public DateTimeOffset ComputedAt { get; set; }
}
