namespace CompatService.Dashboard.ViewModels;

/// <summary>Orders kernel releases for display by their leading numbers ("6.12.117+deb13-amd64" → 6.12.117); unknown last.</summary>
public sealed class ReleaseVersion : IComparer<string?>
{
    public static readonly ReleaseVersion Comparer = new();

    public static int[] Numbers(string? release)
    {
        var list = new List<int>();
        if (release is null) return [];
        foreach (var token in release.Split('.', '-', '+', '_', '~'))
        {
            if (token.Length == 0 || token.Length > 9 || !token.All(char.IsAsciiDigit)) break;
            list.Add(int.Parse(token, System.Globalization.CultureInfo.InvariantCulture));
        }
        return [.. list];
    }

    public int Compare(string? x, string? y)
    {
        if (x is null || y is null) return x is null ? (y is null ? 0 : 1) : -1;
        var a = Numbers(x);
        var b = Numbers(y);
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var c = (i < a.Length ? a[i] : -1).CompareTo(i < b.Length ? b[i] : -1);
            if (c != 0) return c;
        }
        return string.CompareOrdinal(x, y);
    }
}
