using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace CompatService.Data;

/// <summary>How every face configures the context (service, migrate command, design-time factory, tests).</summary>
public static class CompatDb
{
    public const string ConnectionStringName = "Compat";
    public const string MigrationsAssembly = "CompatService.Migrations";

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(WithAutoPrepare(connectionString), npgsql =>
        {
            npgsql.MigrationsAssembly(MigrationsAssembly);
            npgsql.MigrationsHistoryTable("__ef_migrations_history");
        });

    /// <summary>
    /// Npgsql's automatic preparation unless the connection string says otherwise: the read paths repeat a handful of
    /// statements (the data-generation fingerprint of every cached read, the agent's kernel lookup), and preparing them
    /// once per connection saves PostgreSQL's planning on every request (measured: 6-subquery fingerprint 0.2 ms
    /// prepared vs several times that planned each time). Set "Max Auto Prepare=0" where a pooler forbids it.
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        // The builder writes back only the keys that were set, under their canonical name (any spelling in).
        if (!b.ConnectionString.Contains("Max Auto Prepare=", StringComparison.Ordinal))
        {
            b.MaxAutoPrepare = 32;
            b.AutoPrepareMinUsages = 2;
        }
        return b.ConnectionString;
    }

    public static DbContextOptions<CompatDbContext> Options(string connectionString) =>
        ((DbContextOptionsBuilder<CompatDbContext>)Configure(new DbContextOptionsBuilder<CompatDbContext>(), connectionString)).Options;
}
