using CompatService.Api;
using CompatService.Api.Commands;
using CompatService.Api.Endpoints;
using CompatService.Api.OpenApi;
using CompatService.Dashboard;

// dotnet CompatService.Api.dll [ASP.NET Core options]  → serve (API, Swagger at /swagger, dashboard)
// dotnet CompatService.Api.dll migrate | import PATH ... | --help | --version  → ServiceCommands (System.CommandLine)
if (ServiceCommands.Handles(args)) return await ServiceCommands.RunAsync(args);

var builder = WebApplication.CreateBuilder(args);
if (!builder.Environment.IsDevelopment()) builder.Logging.AddJsonConsole();
builder.AddCompatService();
// ───── DASHBOARD (services): web/CompatService.Dashboard; Compat:Dashboard:* (ApiBaseAddress, ApiKey) ─────
builder.Services.AddCompatDashboard(o =>
{
    builder.Configuration.GetSection(CompatService.Dashboard.DashboardOptions.Section).Bind(o);
    o.ApiKey ??= builder.Configuration["Compat:ApiKeys:0"]; // the server-side dashboard uploads with the host's write key
});
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5)); // connected browsers must not hold SIGTERM 30 s
// ─────────────────────────────────────────────────────────────────────────────────────

var app = builder.Build();
if (!ServiceCommands.HasDatabase(app.Configuration, "serve")) return 2;

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
