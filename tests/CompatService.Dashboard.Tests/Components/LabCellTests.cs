using Bunit;
using CompatService.Contracts;
using CompatService.Dashboard.Components;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;
using CompatService.Dashboard.ViewModels;

namespace CompatService.Dashboard.Tests.Components;

/// <summary>The kernel lab beside the prediction: verified, disagrees (both shown, highlighted), predicted-only.</summary>
public class LabCellTests : DashboardTestContext
{
    public static ObservedOutcomeDto Lab(long kernelId, string objectSha, string program, bool loaded, Verdict predicted, long run = 7) =>
        new(run * 100 + kernelId, "lab:tcg", kernelId, TestData.ShaB, "k", objectSha, "demo.bpf.o", program, predicted, predicted, loaded,
            loaded ? null : 13, loaded ? null : "R1 invalid mem access", DateTimeOffset.UnixEpoch, false, "lab", run);

    [Fact]
    public void VerifiedCell_SaysVerified_InTextAndAccessibleName()
    {
        var cell = CellView.For("p", "6.1", TestData.Loads("2")) with { LabOutcome = Lab(2, TestData.ShaA, "p", true, Verdict.Loads) };
        var cut = Render<MatrixCell>(p => p.Add(x => x.Cell, cell));
        var button = cut.Find("button");
        Assert.Equal("verified", button.GetAttribute("data-lab"));
        Assert.Equal("✓ lab", cut.Find(".lab-verified").TextContent);
        Assert.Equal("prog p on kernel 6.1: loads; verified", button.GetAttribute("aria-label"));
    }

    [Fact]
    public void DisagreeingCell_ShowsBothThePredictionAndWhatTheLabSaw()
    {
        var cell = CellView.For("p", "6.1", TestData.Loads("2")) with { LabOutcome = Lab(2, TestData.ShaA, "p", false, Verdict.Loads) };
        var cut = Render<MatrixCell>(p => p.Add(x => x.Cell, cell));
        var button = cut.Find("button");
        Assert.Equal("disagrees", button.GetAttribute("data-lab"));
        Assert.Equal("loads", cut.Find(".cell-label").TextContent);
        Assert.Equal("≠ lab failed", cut.Find(".lab-disagrees").TextContent);
        Assert.EndsWith("loads; disagrees: lab failed", button.GetAttribute("aria-label"), StringComparison.Ordinal);

        var unknown = CellView.For("p", "6.1", TestData.Unknown("2")) with { LabOutcome = Lab(2, TestData.ShaA, "p", true, Verdict.Unknown) };
        Assert.Equal(LabState.Disagrees, unknown.Lab);
    }

    [Fact]
    public void CellWithoutLabOutcome_IsPredictedOnly_WithoutBadge()
    {
        var cut = Render<MatrixCell>(p => p.Add(x => x.Cell, CellView.For("p", "6.1", TestData.Fails("2"))));
        Assert.Equal("predicted-only", cut.Find("button").GetAttribute("data-lab"));
        Assert.Empty(cut.FindAll(".lab-badge"));
    }

    [Fact]
    public void MatrixPage_PutsTheNewestLabOutcomeOnItsCell()
    {
        var api = Api;
        api.LabOutcomes.Add(Lab(2, TestData.ShaA, "p_ok", false, Verdict.Loads, run: 1));   // older run: failed
        api.LabOutcomes.Add(Lab(2, TestData.ShaA, "p_ok", true, Verdict.Loads, run: 2));    // newer run: loaded
        api.LabOutcomes.Add(Lab(2, TestData.ShaA, "p_mixed", true, Verdict.Fails, run: 2)); // predicted fails, loaded
        var cut = Render<MatrixPage>();
        var cells = cut.FindAll("button.cell");
        Assert.Equal("verified", cut.Find("button[aria-label^='prog p_ok on kernel 6.1.0-47-amd64']").GetAttribute("data-lab"));
        Assert.Equal("disagrees", cut.Find("button[aria-label^='prog p_mixed on kernel 6.1.0-47-amd64']").GetAttribute("data-lab"));
        Assert.Equal(4, cells.Count(c => c.GetAttribute("data-lab") == "predicted-only"));
    }

    [Fact]
    public void KernelsPage_ShowsTheLastLabRunAndItsAgreement()
    {
        var api = Api;
        api.LabAgreement.Add(new LabAgreementDto(2, "6.1.0-47-amd64", "x86_64", 9, 33, 31, 1, 0, new Dictionary<string, int> { ["false-loads none"] = 1 }, DateTimeOffset.UnixEpoch));
        var cut = Render<KernelsPage>();
        var texts = cut.FindAll("td.lab-agreement").Select(t => t.TextContent).ToList();
        Assert.Contains("agreed 31/33 (run 9, 1 unknown, 1 disagree)", texts);
        Assert.Equal(2, texts.Count(t => t == "no lab run"));
    }
}
