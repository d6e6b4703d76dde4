using System.Net.Http.Headers;
using CompatService.Contracts;
using CompatService.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CompatService.Api.Tests.Infrastructure;

/// <summary>
/// The service over one fresh database (one per test class), migrated like `migrate` does. No background workers:
/// cells are computed on read, or by a test calling the worker explicitly.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string WriteKey = "test-write-key-0123456789";
    public string ConnectionString { get; private set; } = "";
    protected virtual long MaxUploadBytes => 64L * 1024 * 1024;
    protected virtual long MaxDecompressedBytes => 256L * 1024 * 1024;

    public async Task InitializeAsync()
    {
        var server = PostgresServer.Instance ?? throw new InvalidOperationException(PostgresServer.WhyUnavailable);
        ConnectionString = await server.CreateDatabaseAsync("t");
        await using var db = NewDb();
        await db.Database.MigrateAsync();
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Compat", ConnectionString);
        builder.UseSetting("Compat:ApiKeys:0", WriteKey);
        builder.UseSetting("Compat:Workers", "0");
        builder.UseSetting("Compat:MaxUploadBytes", MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Compat:MaxDecompressedBytes", MaxDecompressedBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public CompatDbContext NewDb() => new(CompatDb.Options(ConnectionString));

    /// <summary>A client that sends the write key.</summary>
    public HttpClient Writer()
    {
        var c = CreateClient();
        c.DefaultRequestHeaders.Add(ApiRoutes.ApiKeyHeader, WriteKey);
        return c;
    }

    public T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Row counts of every table, to assert that a refused request wrote nothing.</summary>
    public async Task<Dictionary<string, long>> CountsAsync()
    {
        await using var db = NewDb();
        return new Dictionary<string, long>
        {
            ["kernels"] = await db.Kernels.LongCountAsync(),
            ["kernel_blobs"] = await db.KernelBlobs.LongCountAsync(),
            ["kernel_modules"] = await db.KernelModules.LongCountAsync(),
            ["kernel_configs"] = await db.KernelConfigs.LongCountAsync(),
            ["kernel_surfaces"] = await db.KernelSurfaces.LongCountAsync(),
            ["kernel_symbols"] = await db.KernelSymbols.LongCountAsync(),
            ["objects"] = await db.Objects.LongCountAsync(),
            ["object_blobs"] = await db.ObjectBlobs.LongCountAsync(),
            ["object_programs"] = await db.ObjectPrograms.LongCountAsync(),
            ["program_requirements"] = await db.ProgramRequirements.LongCountAsync(),
            ["matrix_cells"] = await db.MatrixCells.LongCountAsync(),
            ["jobs"] = await db.Jobs.LongCountAsync(),
            ["observed_outcomes"] = await db.ObservedOutcomes.LongCountAsync(),
        };
    }
}

/// <summary>Upload helpers.</summary>
public static class Multipart
{
    public static MultipartFormDataContent File(byte[] bytes, string fileName, params (string Name, string Value)[] fields)
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(content, "file", fileName);
        foreach (var (n, v) in fields) form.Add(new StringContent(v), n);
        return form;
    }
}
