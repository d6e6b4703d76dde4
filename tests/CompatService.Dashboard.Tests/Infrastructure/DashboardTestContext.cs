using Bunit;
using CompatService.Dashboard.Api;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CompatService.Dashboard.Tests.Infrastructure;

/// <summary>A bUnit context with the fake API, dashboard options and an interactive renderer.</summary>
public abstract class DashboardTestContext : BunitContext
{
    protected FakeDashboardApi Api { get; }

    protected DashboardTestContext(FakeDashboardApi? api = null)
    {
        Api = api ?? TestData.Populated();
        Services.AddSingleton<IDashboardApi>(Api);
        Services.AddSingleton(Options.Create(new DashboardOptions { ApiKey = "k", MaxUploadBytes = 1024 * 1024 }));
        JSInterop.Mode = JSRuntimeMode.Loose;
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    protected void NavigateTo(string relative) => Services.GetRequiredService<NavigationManager>().NavigateTo(relative);

    protected string CurrentUri => Services.GetRequiredService<NavigationManager>().Uri;
}
