using Bunit;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;

namespace CompatService.Dashboard.Tests.Pages;

public class MatrixPageTests : DashboardTestContext
{
    [Fact]
    public void Matrix_RendersAButtonWithAccessibleNamePerCell_GroupHeadersAndObjectRow()
    {
        var cut = Render<MatrixPage>();
        var cells = cut.FindAll("button.cell");
        Assert.Equal(6, cells.Count);
        Assert.All(cells, c => Assert.StartsWith("prog ", c.GetAttribute("aria-label")));
        Assert.Contains(cells, c => c.GetAttribute("aria-label") == "prog p_mixed on kernel 6.1.0-47-amd64: fails, kfunc-missing");
        Assert.Equal(["debian · arm64 · default", "debian · x86_64 · default"], cut.FindAll("th.group").Select(t => t.TextContent));
        Assert.Contains("demo.bpf.o", cut.Find("tr.object-row").TextContent);
        Assert.Equal("objects/10", cut.Find("tr.object-row a").GetAttribute("href"));
    }

    [Fact]
    public void ClickingAFailingCell_ShowsReasons_KfuncResolutionsWithBtfIdAndModule()
    {
        var cut = Render<MatrixPage>();
        cut.Find("button[aria-label^='prog p_mixed on kernel 6.1.0-47-amd64']").Click();
        var details = cut.Find("section.details");
        Assert.Contains("kfunc 'bpf_missing_kfunc': not found in 6.1.0-47-amd64", details.TextContent);
        Assert.Contains("kfunc-missing", cut.Find(".reason-code").TextContent);
        var rows = cut.FindAll("section.details tbody tr");
        Assert.Contains(rows, r => r.TextContent.Contains("nf_ct_helper") && r.TextContent.Contains("777") && r.TextContent.Contains("nf_conntrack"));
        Assert.Contains(rows, r => r.TextContent.Contains("bpf_missing_kfunc") && r.TextContent.Contains("missing"));
        Assert.Contains(cut.FindAll("section.details a"), a => a.GetAttribute("href") == "objects/10?program=p_mixed&kernel=2#disassembly");
    }

    [Fact]
    public void ClickingADegradedCell_ShowsTheDisabledWeakPath()
    {
        var cut = Render<MatrixPage>();
        cut.Find("button.cell-degraded").Click();
        Assert.Contains("guarded call to bpf_new_kfunc at insn 7 is dead on this kernel", cut.Find(".disabled-paths").TextContent);
        cut.Find("section.details button.close").Click();
        Assert.Empty(cut.FindAll("section.details"));
    }

    [Fact]
    public void EscapeInTheDetails_ClosesThem()
    {
        var cut = Render<MatrixPage>();
        cut.Find("button.cell-fails").Click();
        cut.Find("section.details").KeyDown(new Microsoft.AspNetCore.Components.Web.KeyboardEventArgs { Key = "Escape" });
        Assert.Empty(cut.FindAll("section.details"));
    }

    [Fact]
    public void FiltersFromTheUrl_AreSentToTheService()
    {
        NavigateTo("/?objectLabel=repo%3Ddemo&arch=arm64&minRelease=6.1&maxRelease=6.12");
        Render<MatrixPage>();
        Assert.Equal(new Api.MatrixQuery("repo=demo", null, "arm64", "6.1", "6.12"), Api.MatrixQueries[^1]);
    }

    [Fact]
    public void ApplyingAFilter_PutsItInTheUrl_AndRequeriesWithoutReload()
    {
        var cut = Render<MatrixPage>();
        cut.Find("input[name=kernelLabel]").Change("fleet=edge");
        cut.Find("select[name=arch]").Change("x86_64");
        cut.Find("form.filters").Submit();
        Assert.Contains("kernelLabel=fleet%3Dedge", CurrentUri);
        Assert.Contains("arch=x86_64", CurrentUri);
        cut.WaitForAssertion(() => Assert.Equal(new Api.MatrixQuery(null, "fleet=edge", "x86_64", null, null), Api.MatrixQueries[^1]));
    }

    [Fact]
    public void NoKernels_EmptyStateTellsWhatToUpload()
    {
        Api.Kernels.Clear();
        Api.Objects.Clear();
        Api.Matrix = new(
            [], []);
        var cut = Render<MatrixPage>();
        var empty = cut.Find(".empty-state");
        Assert.Contains("No kernels yet", empty.TextContent);
        Assert.Contains("/sys/kernel/btf/vmlinux", empty.TextContent);
        Assert.Contains("upload a BPF object", empty.TextContent);
        Assert.Empty(cut.FindAll("button.cell"));
    }

    [Fact]
    public void ServiceError_IsShownPlainly()
    {
        Api.ReadError = FakeDashboardApi.Problem(400, "bad request", "label 'repo' is not key=value");
        var cut = Render<MatrixPage>();
        var problem = cut.Find(".problem");
        Assert.Contains("bad request", problem.TextContent);
        Assert.Contains("label 'repo' is not key=value", problem.TextContent);
    }

    [Fact]
    public void Summary_CountsEveryState_WithText()
    {
        var cut = Render<MatrixPage>();
        var summary = cut.Find(".summary").TextContent;
        Assert.Contains("3 loads", summary);
        Assert.Contains("1 fails", summary);
        Assert.Contains("1 loads, degraded", summary);
        Assert.Contains("1 unknown", summary);
    }

    [Fact]
    public void TwoObjectsWithTheSameFileName_BothRender()
    {
        var o = Api.Matrix.Objects[0];
        Api.Matrix = Api.Matrix with { Objects = [o, o with { Sha256 = TestData.ShaB }] };
        var cut = Render<MatrixPage>();
        Assert.Equal(12, cut.FindAll("button.cell").Count);
        Assert.Equal(2, cut.FindAll("tr.object-row").Count);
    }

    [Fact]
    public void KernelsButNoObjects_ShowsTheReadyKernels_AndSaysUploadAnObject()
    {
        Api.Objects.Clear();
        Api.Matrix = Api.Matrix with { Objects = [] };
        var cut = Render<MatrixPage>();
        var empty = cut.Find(".empty-state");
        Assert.Contains("No objects yet", empty.TextContent);
        Assert.Equal(["kernels/2", "kernels/3", "kernels/1"], cut.FindAll("a.kernel-ready").Select(a => a.GetAttribute("href")));
        Assert.Contains("Now upload a BPF object", empty.TextContent);
    }
}
