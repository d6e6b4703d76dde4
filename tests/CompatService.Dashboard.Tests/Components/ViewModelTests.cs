using CompatService.Contracts;
using CompatService.Dashboard.Tests.Infrastructure;
using CompatService.Dashboard.ViewModels;

namespace CompatService.Dashboard.Tests.Components;

public class ViewModelTests
{
    [Fact]
    public void Matrix_ColumnsGroupedByDistroArchFlavour_OrderedByVersionInsideAGroup()
    {
        var api = TestData.Populated();
        var m = MatrixViewModel.Build(api.Matrix, api.Kernels, api.Objects);
        Assert.Equal(["6.1.0-56-arm64", "6.1.0-47-amd64", "6.12.43+deb12-amd64"], m.Columns.Select(c => c.Name));
        Assert.Equal([("debian · arm64 · default", 1), ("debian · x86_64 · default", 2)], m.Groups.Select(g => (g.Key, g.Span)));
    }

    [Fact]
    public void Matrix_RowsAreObjectHeadingThenItsPrograms_CellsAlignedWithColumns()
    {
        var api = TestData.Populated();
        var m = MatrixViewModel.Build(api.Matrix, api.Kernels, api.Objects);
        Assert.IsType<ObjectHeadingRow>(m.Rows[0]);
        Assert.Equal(10, ((ObjectHeadingRow)m.Rows[0]).ObjectId);
        var mixed = Assert.IsType<ProgramRow>(m.Rows[2]);
        Assert.Equal([CellState.Unknown, CellState.Fails, CellState.LoadsDegraded], mixed.Cells.Select(c => c.State));
        Assert.Equal(2, m.ProgramCount);
    }

    [Fact]
    public void Matrix_KernelWithoutResult_IsNotComputed()
    {
        var report = new MatrixReport([new MatrixKernel("1", "6.1", TestData.ShaB)],
            [new MatrixObject("o", TestData.ShaA, [new MatrixProgram("p", "xdp", "xdp", [], [])])]);
        var m = MatrixViewModel.Build(report, [], []);
        Assert.Equal(CellState.NotComputed, ((ProgramRow)m.Rows[1]).Cells[0].State);
    }

    [Theory]
    [InlineData("6.1.0-47-amd64", "6.12.43+deb12-amd64", -1)]
    [InlineData("6.12.117+deb13-amd64", "6.12.43+deb12-amd64", 1)]
    [InlineData("7.2.13+deb14-amd64", "6.12.117+deb13-amd64", 1)]
    [InlineData(null, "6.1", 1)]
    public void ReleaseVersion_ComparesNumerically(string? a, string b, int sign) =>
        Assert.Equal(sign, Math.Sign(ReleaseVersion.Comparer.Compare(a, b)));

    [Fact]
    public void KfuncTimeline_SinceWhenPerStream_AndPrototypeChanges()
    {
        var h = new KfuncHistoryDto("bpf_x",
        [
            new KfuncPresence(1, "6.12.117+deb13-amd64", "x86_64", null, "debian", true, "int (int)", true, null, null),
            new KfuncPresence(2, "6.1.0-47-amd64", "x86_64", null, "debian", false, null, false, null, null),
            new KfuncPresence(3, "7.2.13+deb14-amd64", "x86_64", null, "debian", true, "int (int, int)", true, null, null),
            new KfuncPresence(4, "6.1.0-56-arm64", "arm64", null, "debian", false, null, false, null, null),
        ]);
        var t = KfuncTimeline.Build(h);
        Assert.Equal(["6.1.0-47-amd64", "6.1.0-56", "6.12.117+deb13-amd64", "7.2.13+deb14-amd64"], t.Versions);
        var amd = t.Lanes.Single(l => l.Stream == "debian · x86_64 · default");
        Assert.Equal("6.12.117+deb13-amd64", amd.Since);
        Assert.Null(amd.Until);
        Assert.Equal(["A → B in 7.2.13+deb14-amd64"], amd.Changes);
        Assert.Null(t.Lanes.Single(l => l.Stream == "debian · arm64 · default").Since);
        Assert.Equal([("A", "int (int)"), ("B", "int (int, int)")], t.Variants);
    }

    [Theory]
    [InlineData("6.12.117+deb13-cloud-amd64", "cloud-amd64", "amd64", "6.12.117+deb13")]
    [InlineData("6.1.0-56-amd64", "amd64", "amd64", "6.1.0-56")]
    [InlineData("6.1.0-56-arm64", null, "arm64", "6.1.0-56")]
    [InlineData("6.18.44", "fc", "x86_64", "6.18.44")]
    public void ReleaseLabel_DropsTheSuffixTheGroupShows(string release, string? flavour, string arch, string expected) =>
        Assert.Equal(expected, ReleaseLabel.Short(release, flavour, arch));

    [Fact]
    public void KfuncTimeline_SameBuildInTwoStreams_SharesAColumn_TwoBuildsOfOneVersionDoNot()
    {
        var t = KfuncTimeline.Build(new KfuncHistoryDto("k",
        [
            new KfuncPresence(1, "6.12.117+deb13-amd64", "amd64", "amd64", "debian", true, "p", false, null, null),
            new KfuncPresence(2, "6.12.117+deb13-cloud-amd64", "amd64", "cloud-amd64", "debian", true, "p", false, null, null),
            new KfuncPresence(3, "6.12.117+deb12-amd64", "amd64", "amd64", "debian", true, "p", false, null, null),
        ]));
        Assert.Equal(["6.12.117+deb12", "6.12.117+deb13"], t.Versions);
    }

    [Fact]
    public void MatrixFilterState_BlankFieldsLeaveTheUrl()
    {
        var f = new MatrixFilterState { ObjectLabel = " repo=x ", Arch = "", MinRelease = "6.1" };
        Assert.Equal("repo=x", f.ToQueryParameters()["objectLabel"]);
        Assert.Null(f.ToQueryParameters()["arch"]);
        Assert.Equal(new Api.MatrixQuery("repo=x", null, null, "6.1", null), f.ToQuery());
    }
}
