using CompatService.Api.Tests.Infrastructure;
using CompatService.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CompatService.Api.Tests.Storage;

public sealed class MigrationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [Fact]
    public void Model_HasNoChangesMissingFromMigrations()
    {
        // Compares the model with the last migration's snapshot; fails when someone changed an entity without
        // `dotnet tool run dotnet-ef migrations add <Name> --project migrations/CompatService.Migrations`.
        using var db = new CompatDbContext(CompatDb.Options("Host=127.0.0.1;Database=none"));
        Assert.False(db.Database.HasPendingModelChanges(), "the EF model has changes no migration captures");
    }

    [PgFact]
    public async Task Migrate_CreatesEveryTable_AndBlobsUseLz4()
    {
        await using var conn = new NpgsqlConnection(api.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY 1", conn);
        var tables = new List<string>();
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) tables.Add(r.GetString(0));
        foreach (var t in new[] { "kernels", "kernel_blobs", "kernel_modules", "kernel_symbols", "objects", "object_blobs",
                     "object_programs", "program_requirements", "matrix_cells", "jobs", "observed_outcomes" })
            Assert.Contains(t, tables);
        await using var comp = new NpgsqlCommand(
            "SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'kernel_blobs'::regclass AND attname = 'data'", conn);
        Assert.Equal("l", (string?)await comp.ExecuteScalarAsync());
    }

    [PgFact]
    public async Task MigrateCommand_OnFreshDatabase_AppliesEverything()
    {
        var cs = await PostgresServer.Instance!.CreateDatabaseAsync("mig");
        await using var db = new CompatDbContext(CompatDb.Options(cs));
        Assert.NotEmpty(await db.Database.GetPendingMigrationsAsync());
        await db.Database.MigrateAsync();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
    }
}
