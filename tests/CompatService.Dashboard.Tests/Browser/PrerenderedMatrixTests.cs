using System.Net;
using System.Net.Http.Json;
using CompatService.Contracts;
using CompatService.Tests.Shared;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// Issue 12 item 8: the matrix's data is in the prerendered HTML. A plain HTTP GET of /matrix (no script, no live
/// connection) shows every program and every cell's verdict — before, the virtualised grid prerendered headers only.
/// </summary>
public sealed class PrerenderedMatrixTests : IAsyncLifetime
{
    private readonly DashboardServer _server = new();

    public async Task InitializeAsync()
    {
        if (PostgresServer.FindBin() is not null) await _server.InitializeAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [PgFact]
    public async Task Matrix_PlainHttp_HasEveryProgramAndVerdict()
    {
        using var c = _server.Writer();
        await DashboardServer.UploadAsync(c, ApiRoutes.Kernels, Path.Combine(TestPaths.Fixtures, "kernels", "debian-6.1.0-47-amd64", "vmlinux.btf.gz"),
            ("release", "6.1.0-47-amd64"));
        foreach (var name in new[] { "kfunc_weak_missing_unguarded", "xdp_pass", "helper_prog_type", "kconfig_externs" })
            await DashboardServer.UploadAsync(c, ApiRoutes.Objects, Path.Combine(TestPaths.Fixtures, "bpf", name + ".bpfel.o"));
        var m = (await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix + "?format=json", ContractJson.Options))!;
        var cells = m.Objects.SelectMany(o => o.Programs.SelectMany(p => p.Results.Select(r => (p.Name, r.Verdict)))).ToList();
        Assert.True(cells.Count >= 3, $"{cells.Count} cells");

        using var plain = new HttpClient { BaseAddress = _server.BaseAddress };
        using var r = await plain.GetAsync("matrix");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var html = WebUtility.HtmlDecode(await r.Content.ReadAsStringAsync());
        foreach (var (program, verdict) in cells)
        {
            Assert.Contains($">{program}</th>", html, StringComparison.Ordinal);
            var label = verdict switch { Verdict.Loads => "loads", Verdict.Fails => "fails", _ => "unknown" };
            Assert.Contains($"prog {program} on kernel 6.1.0-47-amd64: {label}", html, StringComparison.Ordinal);
        }
    }
}
