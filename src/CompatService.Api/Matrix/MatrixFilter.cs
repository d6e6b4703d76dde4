namespace CompatService.Api.Matrix;

/// <summary>Which objects and kernels a matrix covers. Labels: all pairs must match. Releases: inclusive, by number.</summary>
public sealed record MatrixFilter(
    IReadOnlyDictionary<string, string> ObjectLabels,
    IReadOnlyDictionary<string, string> KernelLabels,
    string? Arch = null,
    string? Release = null,
    string? MinRelease = null,
    string? MaxRelease = null,
    IReadOnlyList<string>? ObjectShas = null,
    IReadOnlyList<long>? KernelIds = null);
