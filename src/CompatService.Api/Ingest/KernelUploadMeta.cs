namespace CompatService.Api.Ingest;

/// <summary>What the uploader says about a kernel; overrides what the input says. <see cref="Config"/>: a .config sent beside it.</summary>
public sealed record KernelUploadMeta(
    string? Release = null, string? Arch = null, string? Flavour = null, string? Distro = null,
    IReadOnlyDictionary<string, string>? Labels = null, string? Source = null, string? Config = null);
