using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CompatService.Contracts;

namespace CompatService.Agent.Commands;

/// <summary>The service could not be reached or answered with an error (exit code 3).</summary>
public sealed class ServiceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The agent's calls to the CompatService REST API (routes in <see cref="ApiRoutes"/>).</summary>
public sealed class ServiceClient(HttpClient http, Uri baseUri, string? apiKey)
{
    /// <summary>The verdicts for these objects on this kernel; null when the service does not know the kernel (404).</summary>
    public async Task<AgentVerdictsResponse?> GetVerdictsAsync(string kernelSha, IEnumerable<string> objectShas, CancellationToken ct = default)
    {
        var query = new StringBuilder("?kernel=").Append(kernelSha);
        foreach (var o in objectShas.Distinct()) query.Append("&object=").Append(o);
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Get, Url(ApiRoutes.AgentVerdicts) + query), ct);
        if (resp.StatusCode == HttpStatusCode.NotFound) return null;
        return await ReadAsync(resp, AgentJson.Default.AgentVerdictsResponse, ct);
    }

    /// <summary>Uploads the kernel BTF, with the kernel's .config beside it when known (kconfig externs and the kallsyms rule need it).</summary>
    public async Task<KernelDto> UploadKernelAsync(byte[] vmlinuxBtf, string? release, string? arch, string? config = null, CancellationToken ct = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(File(vmlinuxBtf, "vmlinux"), "file", "vmlinux");
        if (config is not null) form.Add(File(Encoding.UTF8.GetBytes(config), "config"), "config", "config");
        if (release is not null) form.Add(new StringContent(release), "release");
        if (arch is not null) form.Add(new StringContent(arch), "arch");
        form.Add(new StringContent("source=agent"), "labels");
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(ApiRoutes.Kernels)) { Content = form }, ct);
        return await ReadAsync(resp, AgentJson.Default.KernelDto, ct);
    }

    public async Task<KernelDto> UploadModuleAsync(long kernelId, string name, byte[] btf, CancellationToken ct = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(File(btf, name), "file", name);
        form.Add(new StringContent(name), "name");
        var route = ApiRoutes.KernelModules.Replace("{id}", kernelId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(route)) { Content = form }, ct);
        return await ReadAsync(resp, AgentJson.Default.KernelDto, ct);
    }

    public async Task<ObjectDto> UploadObjectAsync(byte[] elf, string name, CancellationToken ct = default)
    {
        using var form = new MultipartFormDataContent();
        form.Add(File(elf, name), "file", name);
        form.Add(new StringContent(name), "name");
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(ApiRoutes.Objects)) { Content = form }, ct);
        return await ReadAsync(resp, AgentJson.Default.ObjectDto, ct);
    }

    public async Task PostReportAsync(AgentReport report, CancellationToken ct = default)
    {
        var body = JsonSerializer.Serialize(report, AgentJson.Default.AgentReport);
        using var resp = await SendAsync(new HttpRequestMessage(HttpMethod.Post, Url(ApiRoutes.AgentReports))
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        }, ct);
        await EnsureAsync(resp, ct);
    }

    private string Url(string route) => new Uri(baseUri, route).ToString();

    private static ByteArrayContent File(byte[] bytes, string name)
    {
        var c = new ByteArrayContent(bytes);
        c.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return c;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage req, CancellationToken ct)
    {
        if (apiKey is not null) req.Headers.Add(ApiRoutes.ApiKeyHeader, apiKey);
        try
        {
            return await http.SendAsync(req, ct);
        }
        catch (HttpRequestException e)
        {
            throw new ServiceException($"{req.Method} {req.RequestUri}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ServiceException($"{req.Method} {req.RequestUri}: timed out", e);
        }
        finally
        {
            req.Dispose();
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage resp, CancellationToken ct)
    {
        if (resp.IsSuccessStatusCode) return;
        var body = await resp.Content.ReadAsStringAsync(ct);
        throw new ServiceException($"{resp.RequestMessage?.Method} {resp.RequestMessage?.RequestUri}: HTTP {(int)resp.StatusCode} {resp.ReasonPhrase}" +
                                   (body.Length > 0 ? $": {(body.Length > 500 ? body[..500] : body)}" : ""));
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage resp, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        await EnsureAsync(resp, ct);
        try
        {
            return await resp.Content.ReadFromJsonAsync(type, ct) ?? throw new ServiceException("empty answer from the service");
        }
        catch (JsonException e)
        {
            throw new ServiceException($"unexpected answer from the service: {e.Message}", e);
        }
    }
}
