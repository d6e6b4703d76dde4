namespace CompatService.Dashboard.ViewModels;

/// <summary>
/// A release without the flavour / arch suffix its group heading already shows ("6.12.117+deb13-cloud-amd64" in the
/// group "cloud-amd64" → "6.12.117+deb13"), so headers stay short and the same build lines up across streams.
/// </summary>
public static class ReleaseLabel
{
    public static string Short(string? release, string? flavour, string? arch)
    {
        if (release is null) return "?";
        foreach (var suffix in new[] { flavour, arch })
        {
            if (suffix is { Length: > 0 } && release.Length > suffix.Length + 1
                && release.EndsWith("-" + suffix, StringComparison.Ordinal))
                return release[..^(suffix.Length + 1)];
        }
        return release;
    }
}
