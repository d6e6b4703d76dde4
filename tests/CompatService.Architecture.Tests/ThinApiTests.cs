using System.Reflection;
using CompatService.Tests.Shared;

namespace CompatService.Architecture.Tests;

/// <summary>
/// Thin API (eShop's shape): endpoints validate, call a service (kernel catalog, object catalog, matrix, lab runs,
/// observed outcomes) and map; EF Core stays in Data and the API's service classes (<c>Api/Catalog</c>, <c>Api/Ingest</c>,
/// <c>Api/Matrix</c>, ...). Checked on the compiled endpoints (no handler takes a DbContext) and on their source.
/// </summary>
public sealed class ThinApiTests
{
    private static readonly string[] EndpointFiles =
        [.. Directory.GetFiles(Path.Combine(TestPaths.RepoRoot, "src", "CompatService.Api", "Endpoints"), "*.cs"),
         Path.Combine(TestPaths.RepoRoot, "src", "CompatService.Api", "Lab", "LabApi.cs")];

    /// <summary>What reaching the database looks like in C#: the context, its sets, queries and saves.</summary>
    private static readonly string[] EfTokens =
        ["CompatDbContext", "DbContext", "DbSet<", "AsNoTracking", "SaveChanges", "ExecuteDelete", "ExecuteUpdate", "ExecuteSql",
         ".Database.", ".Include(", "ToListAsync", "SingleOrDefaultAsync", "FirstOrDefaultAsync", "AnyAsync("];

    [Fact]
    public void EndpointSources_NeverQueryEf()
    {
        Assert.True(EndpointFiles.Length >= 9, "endpoint files not found under " + TestPaths.RepoRoot);
        var hits = (from file in EndpointFiles
                    from line in File.ReadLines(file).Select((text, i) => (text, n: i + 1))
                    from token in EfTokens
                    where line.text.Contains(token, StringComparison.Ordinal)
                    select $"{Path.GetFileName(file)}:{line.n}: {token}").ToArray();
        Assert.True(hits.Length == 0, "endpoints reach EF directly (move the query into a service):\n" + string.Join("\n", hits));
    }

    [Fact]
    public void EndpointHandlers_TakeNoDbContext()
    {
        var api = Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "CompatService.Api.dll"));
        var endpointTypes = api.GetTypes().Where(t => t.Namespace == "CompatService.Api.Endpoints"
            || t.FullName!.StartsWith("CompatService.Api.Lab.LabApi", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(endpointTypes);
        const BindingFlags all = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var bad = endpointTypes.SelectMany(t => t.GetMethods(all))
            .Where(m => m.GetParameters().Any(p => IsDbContext(p.ParameterType)))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}").ToArray();
        Assert.True(bad.Length == 0, "endpoint handlers take a DbContext: " + string.Join(", ", bad));
    }

    private static bool IsDbContext(Type? t)
    {
        for (; t is not null; t = t.BaseType)
            if (t.FullName == "Microsoft.EntityFrameworkCore.DbContext") return true;
        return false;
    }
}
