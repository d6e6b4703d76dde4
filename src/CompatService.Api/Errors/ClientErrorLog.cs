using System.Text.RegularExpressions;

namespace CompatService.Api.Errors;

/// <summary>Every 4xx ProblemDetails is logged once, at information level, in one line: method, route, status, title, detail.</summary>
public static class ClientErrorLog
{
    public const string Category = "CompatService.Api.ClientErrors";

    public static void Write(HttpContext http, ProblemDetails problem)
    {
        var status = problem.Status ?? http.Response.StatusCode;
        if (status is < 400 or >= 500) return;
        var log = http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(Category);
        if (log is null || !log.IsEnabled(LogLevel.Information)) return;
        // In the exception handler the endpoint is cleared; the feature keeps the one that failed.
        var endpoint = http.GetEndpoint() ?? http.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Endpoint;
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value;
        log.LogInformation("{Method} {Route} -> {Status} {Title}: {Detail}", http.Request.Method, route, status, problem.Title,
            OneLine(problem.Detail));
    }

    private static string? OneLine(string? s) => s?.ReplaceLineEndings(" ");
}

/// <summary>
/// Turns ASP.NET Core's binding messages ("Failed to bind parameter \"long id\" from \"abc\".") into one that names the
/// parameter and says what it accepts.
/// </summary>
public static partial class BindFailure
{
    [GeneratedRegex("^Failed to bind parameter \\\"(?<type>[^ \\\"]+) (?<name>[^\\\"]+)\\\" from \\\"(?<value>.*)\\\"\\.?$", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("^Required parameter \\\"(?<type>[^ \\\"]+) (?<name>[^\\\"]+)\\\" was not provided from (?<where>.*?)\\.?$", RegexOptions.Singleline)]
    private static partial Regex Missing();

    public static (string Parameter, string Detail)? Describe(string message)
    {
        if (FailedToBind().Match(message) is { Success: true } m)
        {
            var name = m.Groups["name"].Value;
            return (name, $"parameter '{name}' must be {Accepts(m.Groups["type"].Value)}, not '{m.Groups["value"].Value}'");
        }
        if (Missing().Match(message) is { Success: true } r)
        {
            var name = r.Groups["name"].Value;
            return (name, $"parameter '{name}' ({Accepts(r.Groups["type"].Value)}) is required in the {r.Groups["where"].Value}");
        }
        return null;
    }

    private static string Accepts(string type) => Unwrap(type) switch
    {
        "long" or "int" or "Int64" or "Int32" => "a whole number (an id)" + (type.EndsWith("[]", StringComparison.Ordinal) ? ", repeatable" : ""),
        "bool" or "Boolean" => "true or false",
        "string" => "a string",
        var t => $"a {t}",
    };

    private static string Unwrap(string type)
    {
        var t = type.TrimEnd('?', ']', '[');
        return t.StartsWith("Nullable<", StringComparison.Ordinal) && t.EndsWith('>') ? t["Nullable<".Length..^1] : t;
    }
}
