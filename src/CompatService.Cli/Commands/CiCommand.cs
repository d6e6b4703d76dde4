using System.Net.Http.Headers;
using System.Text.Json;
using CompatService.Contracts;
using CompatService.Reporting;

namespace CompatService.Cli.Commands;

/// <summary>
/// `compat ci OBJECT --server URL [--labels k=v,...] [--release R] [--min-release R] [--max-release R] [--arch A] [--strict]
/// [--api-key KEY] [--format text|json|junit|markdown]`: asks the service's `POST /api/ci/check` for the verdicts of an
/// object on the stored kernels the selection picks. Exit 0 when ok, 1 when some program does not load, 2 on bad input
/// (or a 4xx answer), 3 when the service cannot be reached or fails.
/// </summary>
public static class CiCommand
{
    public const int ServiceError = 3;

    public static int Run(CliArgs args, TextWriter stdout, TextWriter stderr, HttpMessageHandler? handler = null)
    {
        var format = args.Format("text", "json", "junit", "markdown");
        var server = args.One("server") ?? Environment.GetEnvironmentVariable("COMPAT_SERVER");
        var apiKey = args.One("api-key") ?? Environment.GetEnvironmentVariable("COMPAT_API_KEY");
        var fields = new Dictionary<string, string?>
        {
            ["labels"] = args.One("labels"), ["release"] = args.One("release"), ["minRelease"] = args.One("min-release"),
            ["maxRelease"] = args.One("max-release"), ["arch"] = args.One("arch"), ["strict"] = args.Flag("strict") ? "true" : null,
        };
        args.RejectUnknown();
        if (args.Positional.Count != 1 || server is null)
            throw new CliUsageException("usage: compat ci OBJECT --server URL [--labels k=v,...] [--release R] [--min-release R] [--max-release R] [--arch A] [--strict] [--api-key K] [--format text|json|junit|markdown]");
        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseUri)) throw new CliUsageException($"--server: '{server}' is not an absolute URL");
        var path = args.Positional[0];
        var bytes = Inputs.ReadFile(path);

        using var http = handler is null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
        http.BaseAddress = baseUri;
        http.Timeout = TimeSpan.FromMinutes(5);
        if (apiKey is not null) http.DefaultRequestHeaders.Add(ApiRoutes.ApiKeyHeader, apiKey);

        // JSON first: it carries "ok", which decides the exit code whatever is printed.
        var (status, body) = Post(http, "json", path, bytes, fields);
        if (status is null) { stderr.WriteLine($"compat: cannot reach {server}: {body}"); return ServiceError; }
        if ((int)status >= 500) { stderr.WriteLine($"compat: {server} answered {(int)status}: {Problem(body)}"); return ServiceError; }
        if ((int)status >= 400) throw new CliUsageException($"{server} refused the check ({(int)status}): {Problem(body)}");
        var response = CliJson.Deserialize<CiCheckResponse>(body)
            ?? throw new CliUsageException($"{server} answered an empty body");

        switch (format)
        {
            case "json": stdout.Write(body.EndsWith('\n') ? body : body + "\n"); break;
            case "text": stdout.Write(MatrixFormatter.Text(response.Matrix)); stdout.WriteLine(response.Ok ? "ok" : "NOT OK"); break;
            default:
                var (s2, text) = Post(http, format, path, bytes, fields);
                if (s2 is null || (int)s2 >= 400) { stderr.WriteLine($"compat: {format} rendering failed: {Problem(text)}"); return ServiceError; }
                stdout.Write(text);
                break;
        }
        return response.Ok ? 0 : 1;
    }

    private static (System.Net.HttpStatusCode? Status, string Body) Post(HttpClient http, string format, string path, byte[] bytes, Dictionary<string, string?> fields)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Path.GetFileName(path));
        foreach (var (k, v) in fields) if (v is not null) form.Add(new StringContent(v), k);
        try
        {
            using var response = http.PostAsync(ApiRoutes.CiCheck + "?format=" + format, form).GetAwaiter().GetResult();
            return (response.StatusCode, response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return (null, e.Message);
        }
    }

    private static string Problem(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            var title = root.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return string.Join(": ", new[] { title, detail }.Where(x => !string.IsNullOrEmpty(x)));
        }
        catch (JsonException)
        {
            return body.Length > 300 ? body[..300] : body;
        }
    }
}
