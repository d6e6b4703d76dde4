using CompatService.Data;
using Microsoft.EntityFrameworkCore.Design;

namespace CompatService.Migrations;

/// <summary>
/// Lets `dotnet tool run dotnet-ef migrations add X --project migrations/CompatService.Migrations` build the model
/// without starting the service. Generating a migration needs no database; the connection string is only used by
/// `database update` (env ConnectionStrings__Compat).
/// </summary>
public sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<CompatDbContext>
{
    public CompatDbContext CreateDbContext(string[] args) =>
        new(CompatDb.Options(Environment.GetEnvironmentVariable("ConnectionStrings__Compat")
            ?? "Host=127.0.0.1;Database=compat;Username=postgres"));
}
