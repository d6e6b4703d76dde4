using Bunit;
using CompatService.Dashboard.Components;
using CompatService.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components;

namespace CompatService.Dashboard.Tests.Components;

public class InteractiveMarkerTests : DashboardTestContext
{
    [Fact]
    public void Interactive_RendersTheMarkerBrowserTestsWaitFor()
    {
        var cut = Render<InteractiveMarker>();
        Assert.NotNull(cut.Find("#circuit-interactive"));
    }

    [Fact]
    public void Prerendered_HasNoMarker()
    {
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var cut = Render<InteractiveMarker>();
        Assert.Empty(cut.FindAll("#circuit-interactive"));
        Assert.Contains("connecting", cut.Markup);
    }
}

public class MainLayoutTests : DashboardTestContext
{
    [Fact]
    public void Nav_LinksEveryPage_AndTheApi_WithASkipLink()
    {
        var cut = Render<CompatService.Dashboard.Layout.MainLayout>(p => p.Add(x => x.Body, b => b.AddMarkupContent(0, "<h1>x</h1>")));
        var hrefs = cut.FindAll("nav a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(["", "objects", "kernels", "kfuncs", "agent", "upload", "swagger"], hrefs);
        Assert.Equal("#main", cut.Find("a.skip-link").GetAttribute("href"));
        Assert.NotNull(cut.Find("#circuit-interactive"));
    }
}

public class ErrorBoundaryTests : DashboardTestContext
{
    [Fact]
    public void UnexpectedPageError_IsShownInThePage_NotAsADeadCircuit()
    {
        Api.ReadError = new InvalidOperationException("boom");
        var cut = Render<CompatService.Dashboard.Layout.MainLayout>(p => p.Add(x => x.Body, b =>
        {
            b.OpenComponent<CompatService.Dashboard.Pages.KernelsPage>(0);
            b.CloseComponent();
        }));
        cut.WaitForAssertion(() => Assert.Contains("This page failed to render", cut.Find(".problem").TextContent));
        Assert.Contains("InvalidOperationException: boom", cut.Markup);
        Assert.NotNull(cut.Find("nav")); // the layout (and the circuit) live on
    }
}
