using Microsoft.EntityFrameworkCore;

namespace CompatService.Data;

/// <summary>How every face configures the context (service, migrate command, design-time factory, tests).</summary>
public static class CompatDb
{
    public const string ConnectionStringName = "Compat";
    public const string MigrationsAssembly = "CompatService.Migrations";

    public static DbContextOptionsBuilder Configure(DbContextOptionsBuilder options, string connectionString) =>
        options.UseNpgsql(connectionString, npgsql =>
        {
            npgsql.MigrationsAssembly(MigrationsAssembly);
            npgsql.MigrationsHistoryTable("__ef_migrations_history");
        });

    public static DbContextOptions<CompatDbContext> Options(string connectionString) =>
        ((DbContextOptionsBuilder<CompatDbContext>)Configure(new DbContextOptionsBuilder<CompatDbContext>(), connectionString)).Options;
}
