using Bunit;
using CompatService.Contracts;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;

namespace CompatService.Dashboard.Tests.Pages;

public class AgentReportsPageTests : DashboardTestContext
{
    private static ObservedOutcomeDto Outcome(long id, string program, Verdict predicted, bool loaded, bool disagrees) =>
        new(id, "host-a", 2, TestData.ShaB, "6.1.0-47-amd64", TestData.ShaA, "demo.bpf.o", program, predicted, predicted, loaded,
            loaded ? null : 22, loaded ? null : "calling kernel function bpf_x is not allowed", DateTimeOffset.UnixEpoch.AddDays(20000), disagrees);

    [Fact]
    public void Reports_ShowObservedBesidePredicted_DisagreementsHighlighted()
    {
        Api.Reports.Add(Outcome(1, "p_ok", Verdict.Loads, true, false));
        Api.Reports.Add(Outcome(2, "p_bad", Verdict.Loads, false, true));
        var cut = Render<AgentReportsPage>();
        var bad = cut.Find("tr.disagrees");
        Assert.Contains("p_bad", bad.TextContent);
        Assert.Contains("disagrees", bad.TextContent);
        Assert.Contains("refused (errno 22)", bad.TextContent);
        Assert.Contains("loads", bad.TextContent);
        Assert.Single(cut.FindAll("tr.agrees"));
        Assert.Contains("1 disagrees with the prediction", cut.Find(".summary").TextContent);
    }

    [Fact]
    public void OnlyDisagreements_HidesAgreeingRows()
    {
        Api.Reports.Add(Outcome(1, "p_ok", Verdict.Loads, true, false));
        Api.Reports.Add(Outcome(2, "p_bad", Verdict.Loads, false, true));
        var cut = Render<AgentReportsPage>();
        cut.Find(".summary input[type=checkbox]").Change(true);
        Assert.Empty(cut.FindAll("tr.agrees"));
        Assert.Single(cut.FindAll("tr.disagrees"));
    }

    [Fact]
    public void NoReports_EmptyStateExplainsTheAgent()
    {
        var cut = Render<AgentReportsPage>();
        Assert.Contains("/api/agent/reports", cut.Find(".empty-state").TextContent);
    }
}
