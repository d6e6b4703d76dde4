using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using CompatService.Contracts;
using Microsoft.Extensions.Options;

namespace CompatService.Dashboard.Api;

/// <summary>The REST client: routes from <see cref="ApiRoutes"/>, web JSON defaults, enums as strings, errors as ProblemDetails.</summary>
public sealed class HttpDashboardApi(HttpClient http, IOptions<DashboardOptions> options) : IDashboardApi
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task<IReadOnlyList<KernelDto>> KernelsAsync(CancellationToken ct = default) =>
        await GetAsync<List<KernelDto>>(ApiRoutes.Kernels, ct) ?? [];

    public Task<KernelDto?> KernelAsync(long id, CancellationToken ct = default) =>
        GetOrNullAsync<KernelDto>(Route(ApiRoutes.Kernel, ("id", Id(id))), ct);

    public async Task<IReadOnlyList<KernelKfuncDto>> KernelKfuncsAsync(long id, CancellationToken ct = default) =>
        await GetAsync<List<KernelKfuncDto>>(Route(ApiRoutes.KernelKfuncs, ("id", Id(id))) + "?kind=all", ct) ?? [];

    public Task<KernelDiffDto?> KernelDiffAsync(long id, long otherId, CancellationToken ct = default) =>
        GetOrNullAsync<KernelDiffDto>(Route(ApiRoutes.KernelDiff, ("id", Id(id)), ("otherId", Id(otherId))), ct);

    public async Task<IReadOnlyList<ObjectDto>> ObjectsAsync(CancellationToken ct = default) =>
        await GetAsync<List<ObjectDto>>(ApiRoutes.Objects, ct) ?? [];

    public Task<ObjectDto?> ObjectAsync(long id, CancellationToken ct = default) =>
        GetOrNullAsync<ObjectDto>(Route(ApiRoutes.Object, ("id", Id(id))), ct);

    public Task<ObjectRequirementsDto?> ObjectRequirementsAsync(long id, CancellationToken ct = default) =>
        GetOrNullAsync<ObjectRequirementsDto>(Route(ApiRoutes.ObjectRequirements, ("id", Id(id))), ct);

    public Task<DisassemblyDto?> DisassemblyAsync(long objectId, string program, long? kernelId, CancellationToken ct = default) =>
        GetOrNullAsync<DisassemblyDto>(Route(ApiRoutes.ObjectDisassembly, ("id", Id(objectId)), ("program", program))
                                       + (kernelId is { } k ? "?kernel=" + Id(k) : ""), ct);

    public async Task<MatrixReport> MatrixAsync(MatrixQuery query, CancellationToken ct = default) =>
        await GetAsync<MatrixReport>(ApiRoutes.Matrix + "?" + MatrixQueryString(query), ct) ?? new MatrixReport([], []);

    public async Task<KfuncHistoryDto> KfuncAsync(string name, CancellationToken ct = default) =>
        await GetAsync<KfuncHistoryDto>(Route(ApiRoutes.Kfunc, ("name", name)), ct) ?? new KfuncHistoryDto(name, []);

    public async Task<IReadOnlyList<ObservedOutcomeDto>> AgentReportsAsync(CancellationToken ct = default) =>
        await GetAsync<List<ObservedOutcomeDto>>(ApiRoutes.AgentReports, ct) ?? [];

    public async Task<IReadOnlyList<ObservedOutcomeDto>> LabOutcomesAsync(CancellationToken ct = default) =>
        await GetAsync<List<ObservedOutcomeDto>>(ApiRoutes.AgentReports + "?source=lab&limit=5000", ct) ?? [];

    public async Task<IReadOnlyList<LabAgreementDto>> LabAgreementAsync(CancellationToken ct = default) =>
        await GetAsync<List<LabAgreementDto>>(ApiRoutes.LabAgreement, ct) ?? [];

    public Task<UploadResult<KernelDto>> UploadKernelAsync(Stream content, string fileName, KernelUploadFields fields,
        IProgress<long>? progress = null, CancellationToken ct = default) =>
        UploadAsync<KernelDto>(ApiRoutes.Kernels, content, fileName,
            [("release", fields.Release), ("arch", fields.Arch), ("flavour", fields.Flavour), ("distro", fields.Distro), ("labels", fields.Labels)],
            progress, ct);

    public Task<UploadResult<KernelDto>> UploadModuleAsync(long kernelId, Stream content, string fileName, string? name,
        IProgress<long>? progress = null, CancellationToken ct = default) =>
        UploadAsync<KernelDto>(Route(ApiRoutes.KernelModules, ("id", Id(kernelId))), content, fileName, [("name", name)], progress, ct);

    public Task<UploadResult<KernelDto>> UploadKernelConfigAsync(long kernelId, Stream content, string fileName,
        IProgress<long>? progress = null, CancellationToken ct = default) =>
        UploadAsync<KernelDto>(Route(ApiRoutes.KernelConfig, ("id", Id(kernelId))), content, fileName, [], progress, ct);

    public Task<UploadResult<ObjectDto>> UploadObjectAsync(Stream content, string fileName, string? name, string? labels,
        IProgress<long>? progress = null, CancellationToken ct = default) =>
        UploadAsync<ObjectDto>(ApiRoutes.Objects, content, fileName, [("name", name), ("labels", labels)], progress, ct);

    /// <summary>The matrix query string the service reads (objectLabel, kernelLabel, arch, minRelease, maxRelease).</summary>
    public static string MatrixQueryString(MatrixQuery q)
    {
        var parts = new List<string> { "format=json" };
        void Add(string key, string? value)
        {
            if (!string.IsNullOrWhiteSpace(value)) parts.Add(key + "=" + Uri.EscapeDataString(value.Trim()));
        }
        Add("objectLabel", q.ObjectLabel);
        Add("kernelLabel", q.KernelLabel);
        Add("arch", q.Arch);
        Add("minRelease", q.MinRelease);
        Add("maxRelease", q.MaxRelease);
        Add("object", q.ObjectSha256);
        return string.Join('&', parts);
    }

    public async Task<KernelDto?> PatchKernelAsync(long id, KernelPatchRequest body, CancellationToken ct = default)
    {
        var route = ApiRoutes.Kernel.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Patch, route) { Content = JsonContent.Create(body, options: Json) };
        if (options.Value.ApiKey is { Length: > 0 } key) request.Headers.Add(ApiRoutes.ApiKeyHeader, key);
        using var response = await http.SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ThrowIfErrorAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<KernelDto>(Json, ct);
    }

    private async Task<UploadResult<T>> UploadAsync<T>(string route, Stream content, string fileName,
        (string Name, string? Value)[] fields, IProgress<long>? progress, CancellationToken ct)
    {
        using var form = new MultipartFormDataContent();
        var file = new StreamContent(progress is null ? content : new ProgressStream(content, progress));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        foreach (var (name, field) in fields)
            if (!string.IsNullOrWhiteSpace(field)) form.Add(new StringContent(field.Trim()), name);
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = form };
        if (options.Value.ApiKey is { Length: > 0 } key) request.Headers.Add(ApiRoutes.ApiKeyHeader, key);
        using var response = await http.SendAsync(request, ct);
        await ThrowIfErrorAsync(response, ct);
        var value = await response.Content.ReadFromJsonAsync<T>(Json, ct)
                    ?? throw new DashboardApiException(response.StatusCode, "empty answer", $"POST {route} answered no body");
        return new UploadResult<T>(value, response.StatusCode == HttpStatusCode.Created);
    }

    private async Task<T?> GetAsync<T>(string uri, CancellationToken ct)
    {
        using var response = await SendGetAsync(uri, ct);
        await ThrowIfErrorAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<T>(Json, ct);
    }

    private async Task<T?> GetOrNullAsync<T>(string uri, CancellationToken ct) where T : class
    {
        using var response = await SendGetAsync(uri, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await ThrowIfErrorAsync(response, ct);
        return await response.Content.ReadFromJsonAsync<T>(Json, ct);
    }

    private Task<HttpResponseMessage> SendGetAsync(string uri, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (options.Value.ApiKey is { Length: > 0 } key) request.Headers.Add(ApiRoutes.ApiKeyHeader, key);
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private static async Task ThrowIfErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode) return;
        string title = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        string? detail = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            if (body.Length > 0 && body.TrimStart().StartsWith('{'))
            {
                using var doc = JsonDocument.Parse(body);
                if (doc.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String) title = t.GetString()!;
                if (doc.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String) detail = d.GetString();
            }
            else if (body.Length > 0)
            {
                detail = body.Length > 500 ? body[..500] : body;
            }
        }
        catch (JsonException)
        {
            // not a ProblemDetails body: the status line is all there is
        }
        throw new DashboardApiException(response.StatusCode, title, detail);
    }

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    private static string Route(string template, params (string Name, string Value)[] values)
    {
        foreach (var (name, value) in values) template = template.Replace("{" + name + "}", Uri.EscapeDataString(value), StringComparison.Ordinal);
        return template;
    }
}
