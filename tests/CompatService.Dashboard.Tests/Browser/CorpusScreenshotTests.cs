using System.Net.Http.Json;
using System.Text.Json;
using CompatService.Contracts;
using CompatService.Tests.Shared;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard over real corpus kernels (every Debian stream + the host build) and the fixture objects plus a few real
/// ones: every page renders in the browser, every cell has an accessible name, and screenshots are saved as artifacts
/// (matrix-corpus.png is the README's picture).
/// </summary>
public sealed class CorpusScreenshotTests(ITestOutputHelper output) : BrowserTest
{
    protected override string? Unavailable => TestPaths.HasCorpus ? null : TestPaths.NoCorpusReason;


    [BrowserCorpusFact]
    public async Task CorpusKernelsAndObjects_EveryPageRenders_ScreenshotsSaved()
    {
        var d = Driver;
        using var http = Server.Writer();
        var kernelDirs = Directory.GetDirectories(Path.Combine(TestPaths.Corpus, "btf")).Order(StringComparer.Ordinal).ToArray();
        foreach (var dir in kernelDirs)
        {
            var info = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "info.json"))).RootElement;
            string? S(string name) => info.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            await DashboardServer.UploadAsync(http, ApiRoutes.Kernels, Path.Combine(dir, "vmlinux.btf.gz"),
                [.. new[] { ("release", S("release")), ("arch", S("arch")), ("distro", S("distro") ?? "host"), ("flavour", S("flavour")) }
                    .Where(f => f.Item2 is not null).Select(f => (f.Item1, f.Item2!))]);
        }
        foreach (var o in Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Order(StringComparer.Ordinal))
            await DashboardServer.UploadAsync(http, ApiRoutes.Objects, o, ("labels", "suite=fixtures"));
        var hid = Path.Combine(TestPaths.Corpus, "objects", "udev-hid-bpf", "sid", "usr", "lib", "x86_64-linux-gnu", "bpf");
        if (Directory.Exists(hid))
            foreach (var o in Directory.GetFiles(hid, "*.bpf.o").Order(StringComparer.Ordinal).Take(3))
                await DashboardServer.UploadAsync(http, ApiRoutes.Objects, o, ("labels", "suite=udev-hid-bpf"));

        // COMPAT_DASHBOARD_ALL_OBJECTS=1: every real corpus object too (slow; for looking at real data, not for CI)
        var all = Environment.GetEnvironmentVariable("COMPAT_DASHBOARD_ALL_OBJECTS") == "1";
        if (all)
            foreach (var o in Directory.GetFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                await DashboardServer.UploadAsync(http, ApiRoutes.Objects, o,
                    ("labels", "suite=corpus,package=" + Path.GetRelativePath(Path.Combine(TestPaths.Corpus, "objects"), o).Split('/')[0]));

        // agent reports: one agreeing, one disagreeing observation on the first kernel
        var kernels = (await http.GetFromJsonAsync<List<KernelDto>>(ApiRoutes.Kernels, ContractJson.Options))!;
        var objects = (await http.GetFromJsonAsync<List<ObjectDto>>(ApiRoutes.Objects, ContractJson.Options))!;
        var k = kernels.First(x => x.Release == "6.1.0-47-amd64");
        var pass = objects.First(o => o.Name.StartsWith("xdp_pass", StringComparison.Ordinal));
        var report = new AgentReport("edge-01", k.Sha256, k.Release,
        [
            new ObservedOutcome(pass.Sha256, pass.Name, pass.Programs[0].Name, Verdict.Loads, true, null, null, DateTimeOffset.UtcNow),
            new ObservedOutcome(pass.Sha256, pass.Name, pass.Programs[0].Name, Verdict.Loads, false, 13, "permission denied (test report)", DateTimeOffset.UtcNow),
        ]);
        (await http.PostAsJsonAsync(ApiRoutes.AgentReports, report, ContractJson.Options)).EnsureSuccessStatusCode();

        d.Manage().Window.Size = new System.Drawing.Size(1600, 1000);
        d.OpenInteractive(new Uri(Server.BaseAddress, "?objectLabel=suite%3Dfixtures"));
        d.WaitFor(x => x.FindElement(By.CssSelector("button.cell")), 120, "the corpus matrix");
        // The virtualised grid re-renders while the workers finish cells: read every cell's name and class in one script
        // call (no element can go stale between reads), until every rendered cell is named.
        (string Label, string Class)[] Cells() => ((IReadOnlyCollection<object>)((IJavaScriptExecutor)d).ExecuteScript(
                "return Array.from(document.querySelectorAll('button.cell')).map(b => [b.getAttribute('aria-label') || '', b.className]);")!)
            .Select(o => ((IReadOnlyCollection<object>)o).Select(x => (string)x).ToArray()).Select(a => (a[0], a[1])).ToArray();
        d.WaitUntil(_ => Cells() is { Length: > 0 } all && all.All(c => c.Label.StartsWith("prog ", StringComparison.Ordinal)), 60, "every matrix cell named");
        var cells = Cells();
        Assert.All(cells, c => Assert.StartsWith("prog ", c.Label));
        Assert.Contains(cells, c => c.Class.Contains("cell-degraded", StringComparison.Ordinal));
        Assert.Contains(cells, c => c.Class.Contains("cell-fails", StringComparison.Ordinal));
        Assert.Equal(kernelDirs.Length, d.FindElements(By.CssSelector("th.kernel")).Count); // one column per uploaded corpus kernel (16 since 5.10 joined)
        Save(d, "matrix-corpus.png");

        d.FindElement(By.CssSelector("button.cell-degraded")).Click();
        d.WaitFor(x => x.FindElement(By.CssSelector("section.details .disabled-paths")));
        Save(d, "matrix-corpus-degraded.png");

        await Page(d, "kfuncs/bpf_iter_num_new", "figure.timeline svg", "kfunc-timeline.png");
        var k612 = kernels.First(x => x.Release == "6.12.117+deb13-amd64");
        await Page(d, $"kernels/{k.Id}?diff={k612.Id}", ".diff-added li", "kernel-diff.png");
        var weak = objects.First(o => o.Name.StartsWith("kfunc_weak_missing_guarded", StringComparison.Ordinal));
        await Page(d, $"objects/{weak.Id}?kernel={k.Id}", "table.disasm tr.fixup", "object-disassembly.png");
        await Page(d, "agent", "tr.disagrees", "agent-reports.png");
        await Page(d, "upload", ".dropzone", "upload.png");

        if (all)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            d.OpenInteractive(new Uri(Server.BaseAddress, "?objectLabel=suite%3Dcorpus"));
            d.WaitFor(x => x.FindElement(By.CssSelector("button.cell")), 600, "the whole corpus matrix");
            output.WriteLine($"corpus matrix: first cell after {sw.ElapsedMilliseconds} ms; {d.FindElement(By.CssSelector(".summary")).Text}");
            Save(d, "matrix-all-corpus.png");
        }
    }

    private Task Page(ChromeDriver d, string relative, string waitFor, string shot)
    {
        d.OpenInteractive(new Uri(Server.BaseAddress, relative));
        d.WaitFor(x => x.FindElement(By.CssSelector(waitFor)), 60, relative);
        Save(d, shot);
        return Task.CompletedTask;
    }

    private void Save(ChromeDriver d, string name)
    {
        Directory.CreateDirectory(MatrixBrowserTests.Artifacts);
        var path = Path.Combine(MatrixBrowserTests.Artifacts, name);
        d.GetScreenshot().SaveAsFile(path);
        output.WriteLine("screenshot: " + path);
    }
}
