namespace CompatService.Api.Matrix;

/// <summary>
/// Orders kernel releases by their leading numbers: "6.12.117+deb13-amd64" → 6.12.117, "6.1.0-56-amd64" → 6.1.0.56.
/// A bound compares on its own length, so maxRelease=6.12 includes every 6.12.x.
/// </summary>
public static class ReleaseOrder
{
    public static int[] Numbers(string release)
    {
        var list = new List<int>();
        foreach (var token in release.Split('.', '-', '+', '_', '~'))
        {
            if (token.Length == 0 || !token.All(char.IsAsciiDigit) || token.Length > 9) break;
            list.Add(int.Parse(token, System.Globalization.CultureInfo.InvariantCulture));
        }
        return [.. list];
    }

    /// <summary>&lt;0, 0, &gt;0 comparing <paramref name="release"/> to <paramref name="bound"/> on the bound's length.</summary>
    public static int CompareTo(string release, string bound)
    {
        var r = Numbers(release);
        var b = Numbers(bound);
        for (var i = 0; i < b.Length; i++)
        {
            var x = i < r.Length ? r[i] : 0;
            if (x != b[i]) return x.CompareTo(b[i]);
        }
        return 0;
    }

    /// <summary>
    /// Whether a kernel is within min..max. A kernel without a release is judged by the bound its BPF surface proves
    /// (<paramref name="bound"/>, "≥6.2 &lt;6.12"): it is left out only when the bound proves it outside, so a release filter
    /// never silently drops a kernel that may be inside (the response's releaseBound says it is a bound).
    /// </summary>
    public static bool InRange(string? release, string? bound, string? min, string? max)
    {
        if (min is null && max is null) return true;
        if (release is not null)
            return (min is null || CompareTo(release, min) >= 0) && (max is null || CompareTo(release, max) <= 0);
        if (Engine.Kernels.VersionBound.Parse(bound) is not { } b) return true;
        // min "6" means 6.0 and up: the lowest release it admits (zero-padded) is what the bound must reach.
        if (min is not null && Numbers(min) is { Length: > 0 } lo && !b.MayBeAtLeast(Lowest(lo))) return false;
        // max "6.12" admits every 6.12.x: compared on max's own length, like a release.
        if (max is not null && b.AtLeast is { } atLeast && CompareTo(atLeast.ToString(), max) > 0) return false;
        return true;
    }

    private static Version Lowest(int[] n) => new(n[0], n.Length > 1 ? n[1] : 0, n.Length > 2 ? n[2] : 0, n.Length > 3 ? n[3] : 0);
}
