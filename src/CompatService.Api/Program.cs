using Microsoft.Extensions.DependencyInjection.Extensions;
using CompatService.Api;
using CompatService.Api.Commands;
using CompatService.Api.Endpoints;
using CompatService.Api.Errors;
using CompatService.Api.OpenApi;
using CompatService.Dashboard;

// dotnet CompatService.Api.dll            → serve (API, Swagger at /swagger, dashboard)
// dotnet CompatService.Api.dll migrate    → apply EF migrations and exit
// dotnet CompatService.Api.dll import PATH [--label k=v]...  → import kernels with a progress bar, then exit
var command = args.Length > 0 && !args[0].StartsWith('-') && !args[0].Contains('=') ? args[0] : null;
var hostArgs = command is null ? args : args[1..];
if (command is not (null or "migrate" or "import"))
{
    Console.Error.WriteLine($"unknown command '{command}'; use: (no command) | migrate | import PATH");
    return 2;
}

var builder = WebApplication.CreateBuilder(command == "import" ? [] : hostArgs);
if (!builder.Environment.IsDevelopment()) builder.Logging.AddJsonConsole();
builder.AddCompatService();
if (command is not null)
{
    builder.Services.RemoveAll<IHostedService>(); // commands run no workers
    // EF logs its probe of a not-yet-existing history table as a failed command on a fresh database: not an error
    builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.None);
}
// ───── DASHBOARD (services): web/CompatService.Dashboard; Compat:Dashboard:* (ApiBaseAddress, ApiKey) ─────
builder.Services.AddCompatDashboard(o =>
{
    builder.Configuration.GetSection(CompatService.Dashboard.DashboardOptions.Section).Bind(o);
    o.ApiKey ??= builder.Configuration["Compat:ApiKeys:0"]; // the server-side dashboard uploads with the host's write key
});
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5)); // connected browsers must not hold SIGTERM 30 s
// ─────────────────────────────────────────────────────────────────────────────────────

var app = builder.Build();
// Every face needs the database: without it, one line and exit 2 (not a 500 on every request, not a stack trace).
if (string.IsNullOrWhiteSpace(app.Configuration.GetConnectionString(CompatService.Data.CompatDb.ConnectionStringName)))
{
    Console.Error.WriteLine($"{command ?? "serve"}: ConnectionStrings:Compat is not set (env ConnectionStrings__Compat=\"Host=...;Database=...;Username=...\"); scripts/run.sh starts a private PostgreSQL");
    return 2;
}
if (command is not null)
{
    try
    {
        return command == "migrate" ? await MigrateCommand.RunAsync(app.Services) : await ImportCommand.RunAsync(app.Services, hostArgs);
    }
    catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
    {
        Console.Error.WriteLine($"{command}: the database is unavailable: {e.Message}");
        return 3;
    }
}

app.UseCompatProblems();
app.UseCompatSwagger();
app.MapHealthApi();
app.MapKernelsApi();
app.MapObjectsApi();
app.MapDisassemblyApi();
app.MapMatrixApi();
app.MapKfuncsApi();
app.MapCiApi();
app.MapAgentApi();
CompatService.Api.Lab.LabApi.MapLabApi(app);

// ───── DASHBOARD goes here (web/CompatService.Dashboard, a Razor class library) ─────
app.MapCompatDashboard();
// ─────────────────────────────────────────────────────────────────────────────────────

await app.RunAsync();
return 0;

/// <summary>Visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
