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

    public static bool InRange(string? release, string? min, string? max)
    {
        if (min is null && max is null) return true;
        if (release is null) return false;
        return (min is null || CompareTo(release, min) >= 0) && (max is null || CompareTo(release, max) <= 0);
    }
}
