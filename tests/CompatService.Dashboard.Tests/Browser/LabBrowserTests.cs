using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CompatService.Api.Lab;
using CompatService.Api.Options;
using CompatService.Contracts;
using CompatService.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// The kernel lab beside the prediction, end to end in a real browser: the real service on the test PostgreSQL, Debian's
/// 6.1 image (no config) and three fixture objects uploaded through the API, a lab run queued through
/// POST /api/kernels/{id}/lab and executed by the service's own <see cref="LabWorker"/> (a real QEMU boot that stores the
/// observed outcomes with source "lab"), then the matrix page in Chromium: xdp_pass is verified (predicted loads, loaded),
/// kconfig_externs disagrees (predicted unknown without a kernel config, the lab has a real answer: highlighted, both
/// shown) and the object left out of the run stays predicted-only.
/// </summary>
public sealed class LabBrowserTests(ITestOutputHelper output) : BrowserTest
{
    // program names; each is the one program of fixture object "<name>.bpfel.o" (the last one's object is kfunc_<name>)
    private const string Verified = "xdp_pass", Disagreeing = "kconfig_externs", PredictedOnly = "weak_missing_unguarded";

    protected override string? Unavailable => LabHost.UnavailableReason;

    protected override DashboardServer CreateServer() => new()
    {
        TestServices = s => s.PostConfigure<CompatOptions>(o =>
        {
            o.Lab.Agent = LabHost.Agent;
            o.Lab.BootTimeoutSeconds = 300;
        }),
    };

    [BrowserLabFact]
    public async Task LabRunOfTheService_ShowsVerifiedDisagreesAndPredictedOnlyCells()
    {
        var d = Driver;
        using var c = Server.Writer();
        var kernel = await UploadImageAsync(c);
        var shas = new Dictionary<string, string>();
        foreach (var name in new[] { Verified, Disagreeing, PredictedOnly })
            shas[name] = await UploadObjectAsync(c, (name == PredictedOnly ? "kfunc_" : "") + name + ".bpfel.o");

        // the predictions the cells must be compared with, before any lab run
        var before = await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix + "?format=json", ContractJson.Options);
        Verdict Predicted(string program) => before!.Objects.SelectMany(o => o.Programs).Single(p => p.Name == program).Results.Single().Verdict;
        Assert.Equal(Verdict.Loads, Predicted(Verified));
        Assert.Equal(Verdict.Unknown, Predicted(Disagreeing)); // kconfig-unknown: the kernel came without its config

        // the lab run through the service: queued by the API, executed by the service's worker (QEMU), outcomes stored by it
        var route = ApiRoutes.KernelLab.Replace("{id}", kernel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var q = await c.PostAsJsonAsync(route, new LabRunRequest([shas[Verified], shas[Disagreeing]]));
        Assert.Equal(HttpStatusCode.Accepted, q.StatusCode);
        var worker = ActivatorUtilities.CreateInstance<LabWorker>(Server.Services);
        Assert.True(await worker.RunOneAsync(CancellationToken.None));
        var run = Assert.Single((await c.GetFromJsonAsync<List<LabRunDto>>(route))!);
        Assert.True(run.State == "done", $"lab run {run.State}: {run.Error}");
        var lab = (await c.GetFromJsonAsync<List<ObservedOutcomeDto>>($"{ApiRoutes.AgentReports}?source=lab"))!;
        var loaded = Assert.Single(lab, o => o.Program == Verified);
        Assert.True(loaded.Loaded, $"{Verified} did not load under QEMU: errno {loaded.Errno} {loaded.VerifierTail}");
        var disagreeing = Assert.Single(lab, o => o.Program == Disagreeing);
        Assert.DoesNotContain(lab, o => o.Program == PredictedOnly);
        output.WriteLine($"lab run {run.Id} ({run.Accel}): {Disagreeing} loaded={disagreeing.Loaded} errno={disagreeing.Errno}");

        // the matrix page in Chromium
        d.OpenInteractive(new Uri(Server.BaseAddress, ""));
        Dictionary<string, CellSeen?> cells;
        try
        {
            cells = d.WaitFor(x =>
            {
                var found = new[] { Verified, Disagreeing, PredictedOnly }.ToDictionary(p => p, p => Read(x, p));
                return found.Values.All(v => v is not null) ? found : null;
            }, 60, "the three matrix cells");
        }
        catch (WebDriverTimeoutException)
        {
            output.WriteLine("cells on the page: " + string.Join(" | ", d.FindElements(By.CssSelector("button.cell")).Select(b => b.GetAttribute("aria-label"))));
            throw;
        }

        var ok = cells[Verified]!;
        Assert.Equal("verified", ok.Lab);
        Assert.Equal("✓ lab", ok.Badge);
        Assert.EndsWith("loads; verified", ok.Label, StringComparison.Ordinal);

        var differs = cells[Disagreeing]!;
        var observed = disagreeing.Loaded ? "loaded" : "failed";
        Assert.Equal("disagrees", differs.Lab);
        Assert.Equal("unknown", differs.Verdict);                 // the prediction ...
        Assert.Equal($"≠ lab {observed}", differs.Badge);         // ... and what the lab saw, both in the cell
        Assert.Contains(": unknown, kconfig-unknown; ", differs.Label, StringComparison.Ordinal);
        Assert.EndsWith($"; disagrees: lab {observed}", differs.Label, StringComparison.Ordinal);
        Assert.Equal("solid", differs.Outline);                   // highlighted (a heavy outline, not colour alone)
        Assert.Equal("none", ok.Outline);

        var predictedOnly = cells[PredictedOnly]!;
        Assert.Equal("predicted-only", predictedOnly.Lab);
        Assert.Equal("", predictedOnly.Badge);
        Assert.DoesNotContain("verified", predictedOnly.Label, StringComparison.Ordinal);
        Assert.DoesNotContain("disagrees", predictedOnly.Label, StringComparison.Ordinal);
        Assert.All(new[] { ok, differs, predictedOnly }, c => Assert.True(c.Fits, $"a {c.Lab} cell overflows its box"));

        Directory.CreateDirectory(MatrixBrowserTests.Artifacts);
        var shot = Path.Combine(MatrixBrowserTests.Artifacts, "matrix-lab.png");
        d.GetScreenshot().SaveAsFile(shot);
        output.WriteLine("screenshot: " + shot);
    }

    private sealed record CellSeen(string Lab, string Verdict, string Badge, string Label, string Outline, bool Fits);

    /// <summary>Every element inside the cell lies within the cell's box (the prediction and the lab's result both readable).</summary>
    private const string FitsScript = """
        const b = arguments[0].getBoundingClientRect();
        return [...arguments[0].querySelectorAll('*')].every(e => { const r = e.getBoundingClientRect();
            return r.left >= b.left - 0.5 && r.right <= b.right + 0.5 && r.top >= b.top - 0.5 && r.bottom <= b.bottom + 0.5; });
        """;

    private static CellSeen? Read(IWebDriver d, string program)
    {
        var button = d.FindElements(By.CssSelector($"button.cell[aria-label^='prog {program} on kernel ']")).FirstOrDefault();
        if (button is null) return null;
        var badge = button.FindElements(By.CssSelector(".lab-badge")).FirstOrDefault()?.Text ?? "";
        var outline = (string)((IJavaScriptExecutor)d).ExecuteScript("return getComputedStyle(arguments[0]).outlineStyle;", button)!;
        var fits = (bool)((IJavaScriptExecutor)d).ExecuteScript(FitsScript, button)!;
        return new CellSeen(button.GetAttribute("data-lab") ?? "", button.FindElement(By.CssSelector(".cell-label")).Text, badge,
            button.GetAttribute("aria-label") ?? "", outline, fits);
    }

    private static async Task<KernelDto> UploadImageAsync(HttpClient c)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(await File.ReadAllBytesAsync(LabHost.Image));
        image.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(image, "file", "vmlinuz-6.1.0-56-amd64"); // no config: kconfig externs stay unknown
        using var r = await c.PostAsync(ApiRoutes.Kernels, form);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync<KernelDto>(ContractJson.Options))!;
    }

    private static async Task<string> UploadObjectAsync(HttpClient c, string file)
    {
        using var form = new MultipartFormDataContent();
        var bytes = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(TestPaths.Fixtures, "bpf", file)));
        bytes.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(bytes, "file", file);
        using var r = await c.PostAsync(ApiRoutes.Objects, form);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync<ObjectDto>(ContractJson.Options))!.Sha256;
    }
}

/// <summary>Chrome, PostgreSQL and the kernel lab (corpus 6.1 image, QEMU, busybox-static, AOT toolchain); skipped with the first missing.</summary>
public sealed class BrowserLabFactAttribute : BrowserFactAttribute
{
    public BrowserLabFactAttribute()
    {
        if (Skip is null && LabHost.UnavailableReason is { } r) Skip = r;
    }
}
