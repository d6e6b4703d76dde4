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
