using System.Text.RegularExpressions;

namespace CompatService.Api.Errors;

/// <summary>A query or form parameter whose value does not follow its grammar: 400 ProblemDetails naming it.</summary>
public sealed class InvalidParameterException(string parameter, string detail)
    : ApiProblemException(StatusCodes.Status400BadRequest, "invalid parameter", detail)
{
    public string Parameter { get; } = parameter;
}

/// <summary>
/// The grammar of every query / form parameter that has one (releases, release bounds, architectures, sha256s, formats,
/// kinds). Each check returns the normalised value (null for absent / blank) or throws <see cref="InvalidParameterException"/>
/// whose message names the parameter, the value and what it accepts.
/// </summary>
public static partial class QueryCheck
{
    [GeneratedRegex("^[0-9]{1,9}(\\.[0-9]{1,9}){0,3}([-+_~.][A-Za-z0-9.+_~-]*)?$")]
    private static partial Regex ReleasePattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,32}$")]
    private static partial Regex ArchPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex ShaPattern();

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>A kernel release or a numeric prefix of one: 6.12 (every 6.12.x), 6.1.0-47-amd64, 6.12.117+deb13-amd64.</summary>
    public static string? Release(string parameter, string? value)
    {
        var v = Blank(value);
        if (v is null || ReleasePattern().IsMatch(v)) return v;
        throw new InvalidParameterException(parameter,
            $"{parameter} '{value}' is not a kernel release: expected numbers like 6.12 (every 6.12.x) or a full release like 6.1.0-47-amd64");
    }

    /// <summary>A bound for minRelease / maxRelease: leading numbers (6.12, 6.1.0) with an optional suffix.</summary>
    public static string? ReleaseBound(string parameter, string? value)
    {
        var v = Release(parameter, value);
        if (v is not null && ReleaseOrder.Numbers(v).Length == 0)
            throw new InvalidParameterException(parameter, $"{parameter} '{value}' is not a release bound: expected numbers like 6.12 or 6.1.0");
        return v;
    }

    /// <summary>An architecture name as kernels carry it (amd64, arm64, x86_64, ...).</summary>
    public static string? Arch(string parameter, string? value)
    {
        var v = Blank(value);
        if (v is null || ArchPattern().IsMatch(v)) return v;
        throw new InvalidParameterException(parameter, $"{parameter} '{value}' is not an architecture name (letters, digits, '_' or '-', e.g. amd64, arm64)");
    }

    /// <summary>A sha256 as 64 hex digits (either case; returned lower-case).</summary>
    public static string? Sha256(string parameter, string? value)
    {
        var v = Blank(value)?.ToLowerInvariant();
        if (v is null || ShaPattern().IsMatch(v)) return v;
        throw new InvalidParameterException(parameter, $"{parameter} '{value}' is not a sha256 (64 hex digits)");
    }

    /// <summary>One of a fixed set of words (case-insensitive; returned lower-case), or <paramref name="fallback"/> when absent.</summary>
    public static string OneOf(string parameter, string? value, string fallback, params string[] allowed)
    {
        var v = Blank(value)?.ToLowerInvariant() ?? fallback;
        if (allowed.Contains(v, StringComparer.Ordinal)) return v;
        throw new InvalidParameterException(parameter, $"{parameter} '{value}' is not one of {string.Join(", ", allowed)}");
    }

    /// <summary>A whole number in [<paramref name="min"/>, <paramref name="max"/>] (null when absent).</summary>
    public static int? Range(string parameter, int? value, int min, int max)
    {
        if (value is null || (value >= min && value <= max)) return value;
        throw new InvalidParameterException(parameter, $"{parameter} {value} is out of range: expected {min} to {max}");
    }

    /// <summary>The three release parameters of a selection.</summary>
    public static (string? Release, string? Min, string? Max) Releases(string? release, string? minRelease, string? maxRelease) =>
        (Release("release", release), ReleaseBound("minRelease", minRelease), ReleaseBound("maxRelease", maxRelease));
}
