using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Bunit;
using CompatService.Contracts;
using CompatService.Dashboard.Api;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;
using CompatService.Dashboard.ViewModels;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace CompatService.Dashboard.Tests.Pages;

/// <summary>50 kernels × 500 programs: the client reads it, the view model lays it out, the grid renders only some rows.</summary>
public class LargeMatrixTests(ITestOutputHelper output) : DashboardTestContext(LargeMatrix.Create())
{
    private sealed class Fixed(string json) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") });
    }

    [Fact]
    public async Task FullMatrix_ThroughTheClientAndViewModel_Keeps25000Cells()
    {
        var json = JsonSerializer.Serialize(Api.Matrix, ContractJson.Options);
        var client = new HttpDashboardApi(new HttpClient(new Fixed(json)) { BaseAddress = new Uri("http://127.0.0.1/") },
            Options.Create(new DashboardOptions()));
        var sw = Stopwatch.StartNew();
        var report = await client.MatrixAsync(new MatrixQuery());
        var read = sw.Elapsed;
        sw.Restart();
        var model = MatrixViewModel.Build(report, Api.Kernels, Api.Objects);
        var built = sw.Elapsed;
        Assert.Equal(500, model.ProgramCount);
        Assert.Equal(50, model.Columns.Count);
        Assert.Equal(25_000, model.Totals().Values.Sum());
        output.WriteLine($"matrix JSON {json.Length / 1024} KiB: client read {read.TotalMilliseconds:F0} ms, view model {built.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public void Grid_RendersFarFewerCellsThanTheMatrixHas()
    {
        var cut = Render<MatrixPage>();
        var cells = cut.FindAll("button.cell").Count;
        output.WriteLine($"bUnit: {cells} cell buttons rendered of 25000");
        Assert.InRange(cells, 50, 25_000 / 2);
    }
}

/// <summary>A fleet of 1000 kernels: the grid shows a page of kernel columns at a time, the pager moves through them.</summary>
public class FleetMatrixColumnPagingTests() : DashboardTestContext(LargeMatrix.Create(kernels: 1000, objects: 2, programsPerObject: 2))
{
    [Fact]
    public void Grid_RendersOnePageOfKernelColumns_AndThePagerMovesThroughAll()
    {
        var cut = Render<MatrixPage>();
        var page = CompatService.Dashboard.Components.MatrixGrid.ColumnPage;
        Assert.Equal(page, cut.FindAll("th.kernel").Count);
        Assert.Equal("kernels 1–60 of 1000", cut.Find(".column-range").TextContent);
        Assert.True(cut.Find("button.prev-columns").HasAttribute("disabled"));
        Assert.All(cut.FindAll("tr.program-row"), r => Assert.Equal(page, r.QuerySelectorAll("button.cell").Length));

        var model = MatrixViewModel.Build(Api.Matrix, Api.Kernels, Api.Objects);
        var firstPage = cut.FindAll("th.kernel").Select(t => t.GetAttribute("title")).ToList();
        Assert.Equal(model.Columns.Take(page).Select(c => $"{c.Name} ({c.GroupKey})"), firstPage);

        cut.Find("button.next-columns").Click();
        Assert.Equal("kernels 61–120 of 1000", cut.Find(".column-range").TextContent);
        Assert.Equal(model.Columns.Skip(page).Take(page).Select(c => $"{c.Name} ({c.GroupKey})"), cut.FindAll("th.kernel").Select(t => t.GetAttribute("title")));
        // a cell of the second page is the cell of that program on that page's kernel
        var second = model.Columns[page];
        var programRow = model.Rows.OfType<ProgramRow>().First();
        var expected = programRow.Cells[page];
        Assert.Equal(second.Name, expected.Kernel);
        Assert.Contains(cut.FindAll("button.cell"), b => b.GetAttribute("aria-label")!.Contains($"on kernel {second.Name}:", StringComparison.Ordinal));

        for (var i = 0; i < 20; i++) cut.Find("button.next-columns").Click();
        Assert.Equal("kernels 961–1000 of 1000", cut.Find(".column-range").TextContent);
        Assert.Equal(40, cut.FindAll("th.kernel").Count);
        Assert.True(cut.Find("button.next-columns").HasAttribute("disabled"));
    }
}
