using System.Net;
using System.Net.Http.Headers;
using CompatService.Contracts;
using CompatService.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// The REAL service (API + dashboard, as Program.cs wires them) on Kestrel on a free loopback port, over a fresh database of a
/// real PostgreSQL, migrated like `migrate` does. The dashboard finds the API at the host's own address (no configuration).
/// </summary>
public sealed class DashboardServer : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string WriteKey = "dashboard-test-write-key";
    private string _connectionString = "";

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Service replacements applied after Program's own registrations (e.g. a generated IDashboardApi).</summary>
    public Action<IServiceCollection>? TestServices { get; init; }

    public async Task InitializeAsync()
    {
        var pg = PostgresServer.Instance ?? throw new InvalidOperationException(PostgresServer.WhyUnavailable);
        _connectionString = await pg.CreateDatabaseAsync("dash");
        await using (var db = new CompatDbContext(CompatDb.Options(_connectionString)))
            await db.Database.MigrateAsync();
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.TrimEnd('/') + "/");
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseStaticWebAssets(); // blazor.web.js and the dashboard's CSS from the build output (trap 7)
        builder.UseSetting("ConnectionStrings:Compat", _connectionString);
        builder.UseSetting("Compat:ApiKeys:0", WriteKey);
        builder.UseSetting("Compat:Workers", "0");
        if (TestServices is { } configure) builder.ConfigureTestServices(configure);
    }

    /// <summary>A plain HTTP client with the write key, for setting up data the page then shows.</summary>
    public HttpClient Writer()
    {
        var c = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        c.DefaultRequestHeaders.Add(ApiRoutes.ApiKeyHeader, WriteKey);
        return c;
    }

    public static async Task UploadAsync(HttpClient c, string route, string path, params (string Name, string Value)[] fields)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(await File.ReadAllBytesAsync(path));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", Path.GetFileName(path));
        foreach (var (n, v) in fields) form.Add(new StringContent(v), n);
        using var r = await c.PostAsync(route, form);
        if (!r.IsSuccessStatusCode) throw new InvalidOperationException($"POST {route} {path}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }
}
