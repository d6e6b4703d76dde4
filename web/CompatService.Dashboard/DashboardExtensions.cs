using CompatService.Dashboard.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CompatService.Dashboard;

public static class DashboardExtensions
{
    public const string HttpClientName = "CompatService.Dashboard";

    /// <summary>Razor components (interactive server), the typed REST client and its options.</summary>
    public static IServiceCollection AddCompatDashboard(this IServiceCollection services, Action<DashboardOptions>? configure = null)
    {
        var options = services.AddOptions<DashboardOptions>();
        if (configure is not null) options.Configure(configure);
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddSingleton<ApiBaseAddress>();
        services.AddHttpClient(HttpClientName, (sp, c) =>
        {
            c.BaseAddress = sp.GetRequiredService<ApiBaseAddress>().Get();
            c.Timeout = TimeSpan.FromMinutes(10); // a kernel package upload is parsed while the request waits
        });
        services.AddScoped<IDashboardApi>(sp => new HttpDashboardApi(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName), sp.GetRequiredService<IOptions<DashboardOptions>>()));
        return services;
    }

    /// <summary>Static assets, antiforgery and the dashboard's pages (interactive server render mode).</summary>
    public static WebApplication MapCompatDashboard(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
