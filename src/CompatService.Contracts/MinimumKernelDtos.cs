using System.Text.Json.Serialization;

namespace CompatService.Contracts;

// Per program and kernel stream (distro · arch · flavour, as the matrix groups kernels): the oldest kernel from which
// the program loads on every newer kernel of the stream, and why it does not load on the one before.
// `compat check --minimum-kernel` (json: "minimumKernels"), GET /api/objects/{id}/requirements, the object page.

public sealed record ProgramMinimumKernels(
    string Object,
    string Sha256,
    string Program,
    IReadOnlyList<StreamMinimumKernel> Streams);

/// <summary>
/// One stream: <see cref="OldestLoads"/> is the oldest kernel of the unbroken run of "loads" that reaches the newest
/// kernel (null when it does not load on the newest); <see cref="Before"/> the next older kernel and why it does not
/// load there (null when it loads on every kernel of the stream). Kernels without a release cannot be ordered and are
/// counted in <see cref="Unordered"/>.
/// </summary>
public sealed record StreamMinimumKernel(
    string? Distro,
    string? Arch,
    string? Flavour,
    int Kernels,
    int Unordered,
    KernelRef? OldestLoads,
    KernelRef Newest,
    KernelBlocker? Before,
    string Summary)
{
    /// <summary>"debian · amd64 · cloud-amd64": the matrix's group header.</summary>
    [JsonIgnore]
    public string Name => $"{Distro ?? "unknown distro"} · {Arch ?? "unknown arch"} · {Flavour ?? "default"}";
}

public sealed record KernelRef(
    string Id,
    string? Release);

/// <summary>The kernel just older than the minimum: its verdict there (fails or unknown) and what it lacks.</summary>
public sealed record KernelBlocker(
    string Id,
    string? Release,
    Verdict Verdict,
    IReadOnlyList<KernelNeed> Needs);

/// <summary>One deciding reason as a need: its code, symbol, and a short text ("needs `bpf_loop` (helper 181)").</summary>
public sealed record KernelNeed(
    string Code,
    string? Symbol,
    string Text);
