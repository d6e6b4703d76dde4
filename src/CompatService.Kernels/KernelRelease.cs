using System.Text.RegularExpressions;

namespace CompatService.Kernels;

/// <summary>What a kernel release string (`uname -r`) says.</summary>
public static partial class KernelRelease
{
    // 6.1.0-56-cloud-amd64 · 6.12.117+deb13-rt-amd64 · 7.2.13+deb14-arm64 · 6.18.44-fc-v669
    [GeneratedRegex(@"^(?<version>\d+\.\d+(?:\.\d+)?)(?<abi>-\d+|\+deb\d+(?:u\d+)?)?(?:-(?<flavour>[A-Za-z][A-Za-z0-9._]*(?:-[A-Za-z0-9._]+)*))?$", RegexOptions.CultureInvariant)]
    private static partial Regex ReleasePattern();

    [GeneratedRegex(@"(?:vmlinuz|vmlinux|config|System\.map|linux-image)-(?<release>\d+\.\d+[^_/\s]*?)(?:_[^/]*)?(?:\.deb)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();

    /// <summary>The flavour suffix: "cloud-amd64", "rt-amd64", "arm64", "amd64"; null when the release has none.</summary>
    public static string? Flavour(string? release)
    {
        if (string.IsNullOrEmpty(release)) return null;
        var m = ReleasePattern().Match(release);
        return m.Success && m.Groups["flavour"].Success ? m.Groups["flavour"].Value : null;
    }

    /// <summary>"6.1.0", "6.12.117": the upstream version part, or null.</summary>
    public static string? Version(string? release)
    {
        if (string.IsNullOrEmpty(release)) return null;
        var m = ReleasePattern().Match(release);
        return m.Success ? m.Groups["version"].Value : null;
    }

    /// <summary>A release hinted by a file name: "vmlinuz-6.1.0-56-amd64", "linux-image-6.1.0-56-amd64_6.1.192-2_amd64.deb".</summary>
    public static string? FromFileName(string? fileName)
    {
        if (string.IsNullOrEmpty(fileName)) return null;
        var name = Path.GetFileName(fileName);
        var m = FileNamePattern().Match(name);
        if (!m.Success) return null;
        var release = m.Groups["release"].Value;
        if (release.EndsWith("-unsigned", StringComparison.Ordinal)) release = release[..^"-unsigned".Length];
        if (release.EndsWith("-dbg", StringComparison.Ordinal)) release = release[..^"-dbg".Length];
        return release;
    }
}
