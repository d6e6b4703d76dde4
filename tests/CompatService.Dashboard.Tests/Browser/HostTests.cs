using System.Text.Json;
using CompatService.Contracts;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>A fact that needs PostgreSQL binaries only (the real host, no browser).</summary>
public sealed class PgFactAttribute : FactAttribute
{
    public PgFactAttribute()
    {
        if (PostgresServer.FindBin() is null) Skip = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
    }
}

/// <summary>The real host serves API, Swagger and the dashboard side by side; the dashboard adds nothing to the API surface.</summary>
public sealed class HostTests : IAsyncLifetime
{
    private readonly DashboardServer _server = new();

    public async Task InitializeAsync()
    {
        if (PostgresServer.FindBin() is not null) await _server.InitializeAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [PgFact]
    public async Task Host_ServesPrerenderedDashboard_ApiSwaggerAndHealth()
    {
        using var http = _server.Writer();
        var page = await http.GetStringAsync("/");
        Assert.Contains("Will it load?", page);
        Assert.Contains("No kernels yet", page); // prerendered through the REST client against the host's own address
        Assert.Contains("_framework/blazor.web.js", page);
        foreach (var route in new[] { "kernels", "objects", "kfuncs", "kfuncs/bpf_iter_num_new", "agent", "upload", "objects/999", "kernels/999" })
        {
            using var r = await http.GetAsync(route);
            Assert.True(r.IsSuccessStatusCode, $"GET /{route}: {(int)r.StatusCode}");
        }
        using var swagger = JsonDocument.Parse(await http.GetStringAsync("/swagger/v1/swagger.json"));
        var paths = swagger.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains(ApiRoutes.Matrix, paths);
        Assert.Contains(ApiRoutes.ObjectDisassembly, paths);
        Assert.All(paths, p => Assert.StartsWith(p == ApiRoutes.Health ? "/health" : "/api/", p));
        using var health = await http.GetAsync(ApiRoutes.Health);
        Assert.True(health.IsSuccessStatusCode);
    }

    [PgFact]
    public async Task ApiErrors_StayProblemDetails_NotDashboardPages()
    {
        using var http = _server.Writer();
        using var r = await http.GetAsync("/api/kernels/424242");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
    }
}
