using CompatService.Contracts;

namespace CompatService.Dashboard.ViewModels;

/// <summary>A matrix column: one kernel, with the labels it is grouped by.</summary>
public sealed record KernelColumn(string Id, long? KernelId, string? Release, string? Distro, string? Arch, string? Flavour, string BtfSha256)
{
    public string Name => Release ?? KernelDto.UnnamedName(BtfSha256);
    public string ShortName => Release is null ? Name : ReleaseLabel.Short(Release, Flavour, Arch);
    public string GroupKey => $"{Distro ?? "unknown distro"} · {Arch ?? "unknown arch"} · {Flavour ?? "default"}";

    public static KernelColumn From(MatrixKernel k, KernelDto? dto) =>
        new(k.Id, dto?.Id ?? (long.TryParse(k.Id, out var id) ? id : null), k.Release ?? dto?.Release, dto?.Distro, dto?.Arch,
            dto?.Flavour, k.BtfSha256);
}

/// <summary>A run of adjacent columns sharing distro / arch / flavour (a header cell spanning them).</summary>
public sealed record KernelGroup(string Key, int Span);
