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
