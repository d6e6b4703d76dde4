using System.Net.Http.Json;
using CompatService.Contracts;
using CompatService.Tests.Shared;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// End to end in a real browser: the real service on a real PostgreSQL, a kernel and an object uploaded THROUGH THE PAGE,
/// the matrix cell opened by mouse and by keyboard, accessible names checked, a screenshot saved as a test artifact.
/// </summary>
public sealed class MatrixBrowserTests(ITestOutputHelper output) : BrowserTest
{
    public static string Artifacts => Path.Combine(TestPaths.RepoRoot, "tests", "artifacts", "dashboard");

    [BrowserFact]
    public async Task UploadKernelAndObjectThroughThePage_OpenTheCell_ReadTheReason_ByMouseAndKeyboard()
    {
        var d = Driver;
        var kernel = Path.Combine(TestPaths.Fixtures, "kernels", "debian-6.1.0-47-amd64", "vmlinux.btf.gz");
        var obj = Path.Combine(TestPaths.Fixtures, "bpf", "kfunc_weak_missing_unguarded.bpfel.o");

        // the page's script and style are served (a host run from bin/ outside Development would miss them: trap 7)
        using (var http = Server.Writer())
        {
            foreach (var asset in new[] { "_framework/blazor.web.js", "_content/CompatService.Dashboard/dashboard.css" })
            {
                using var r = await http.GetAsync(asset);
                Assert.True(r.IsSuccessStatusCode, $"GET {asset}: {(int)r.StatusCode}");
            }
        }

        // a new user lands on an empty matrix that says what to do
        d.OpenInteractive(Url(""));
        Assert.Contains("No kernels yet", d.FindElement(By.CssSelector(".empty-state")).Text);

        // upload through the page: the file path typed into the InputFile
        d.FindElement(By.CssSelector("nav a[href='upload']")).Click();
        d.WaitFor(x => x.FindElement(By.Id("kernel-file")));
        var kernelFields = d.FindElements(By.CssSelector("section[aria-labelledby=kernel-upload] .fields input"));
        kernelFields[0].SendKeys("6.1.0-47-amd64"); // raw BTF does not say its release: the uploader does
        kernelFields[1].SendKeys("x86_64");
        kernelFields[2].SendKeys("debian");
        kernelFields[4].SendKeys("ci=e2e");
        kernelFields[4].SendKeys(Keys.Tab); // @bind updates on change
        d.FindElement(By.Id("kernel-file")).SendKeys(kernel);
        var kernelStatus = d.WaitFor(x => x.FindElements(By.CssSelector("section[aria-labelledby=kernel-upload] li.upload"))
            .FirstOrDefault(li => li.Text.Contains("stored") || li.Text.Contains("refused")), 120, "the kernel upload to finish");
        Assert.Contains("stored", kernelStatus.Text);
        Assert.Contains("6.1.0-47-amd64", kernelStatus.Text);

        d.FindElement(By.Id("object-file")).SendKeys(obj);
        var objectStatus = d.WaitFor(x => x.FindElements(By.CssSelector("section[aria-labelledby=object-upload] li.upload"))
            .FirstOrDefault(li => li.Text.Contains("stored") || li.Text.Contains("refused")), 60, "the object upload to finish");
        Assert.Contains("stored", objectStatus.Text);

        // a bad file: the service's problem is shown plainly
        var bad = Path.Combine(Profile, "not-an-object.o");
        await File.WriteAllTextAsync(bad, "this is not an ELF file");
        d.FindElement(By.Id("object-file")).SendKeys(bad);
        var refused = d.WaitFor(x => x.FindElements(By.CssSelector("section[aria-labelledby=object-upload] li.upload-refused")).FirstOrDefault(),
            60, "the bad upload to be refused");
        Assert.Contains("The service refused this (4", refused.FindElement(By.CssSelector(".problem")).Text);

        // the matrix (client-side navigation, no reload)
        d.FindElement(By.CssSelector("nav a[href='']")).Click();
        var cell = d.WaitFor(x => x.FindElement(By.CssSelector("button.cell")), 60, "a matrix cell");
        var cells = d.FindElements(By.CssSelector("button.cell"));
        Assert.All(cells, c => Assert.Matches("^prog .+ on kernel .+: .+", c.GetAttribute("aria-label") ?? ""));
        Assert.Equal("prog weak_missing_unguarded on kernel 6.1.0-47-amd64: fails, weak-kfunc-unguarded", cell.GetAttribute("aria-label"));
        Assert.Contains("fails", cell.Text);

        // the reason text is the service's own
        var expected = await ExpectedReasonAsync();
        cell.Click();
        var details = d.WaitFor(x => x.FindElement(By.CssSelector("section.details")));
        Assert.Contains(expected.Message, details.Text);
        Assert.Contains(ReasonCodes.WeakKfuncUnguarded, details.Text);
        Assert.Contains("bpf_compat_missing_weak", details.FindElement(By.CssSelector("table")).Text);
        SaveScreenshot(d, "matrix-details.png");
        details.FindElement(By.CssSelector("button.close")).Click();
        d.WaitUntil(x => x.FindElements(By.CssSelector("section.details")).Count == 0);

        // keyboard: Tab from the top of the page reaches a cell; Enter opens it
        d.FindElement(By.TagName("body")).Click();
        d.ExecuteScript("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0);");
        IWebElement? focused = null;
        for (var i = 0; i < 40 && focused is null; i++)
        {
            new OpenQA.Selenium.Interactions.Actions(d).SendKeys(Keys.Tab).Perform();
            var active = d.SwitchTo().ActiveElement();
            if (active.TagName == "button" && (active.GetAttribute("class") ?? "").Contains("cell")) focused = active;
        }
        Assert.NotNull(focused);
        var outline = (string)d.ExecuteScript("return getComputedStyle(document.activeElement).outlineStyle;")!;
        Assert.NotEqual("none", outline); // visible focus
        focused!.SendKeys(Keys.Enter);
        var byKeyboard = d.WaitFor(x => x.FindElement(By.CssSelector("section.details")));
        Assert.Contains(expected.Message, byKeyboard.Text);
        Assert.Equal("button", d.SwitchTo().ActiveElement().TagName); // focus moved to the panel's close button
        d.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        d.WaitUntil(x => x.FindElements(By.CssSelector("section.details")).Count == 0);
        d.WaitUntil(x => (x.SwitchTo().ActiveElement().GetAttribute("class") ?? "").Contains("cell"), 10, "focus back on the cell");
        d.SwitchTo().ActiveElement().SendKeys(Keys.Enter);
        d.WaitFor(x => x.FindElement(By.CssSelector("section.details")));
        d.SwitchTo().ActiveElement().SendKeys(Keys.Escape); // Escape closes as well
        d.WaitUntil(x => x.FindElements(By.CssSelector("section.details")).Count == 0);

        SaveScreenshot(d, "matrix.png");

        // the filter lives in the URL and the page re-queries in place
        d.ExecuteScript("window.__sameDocument = true;");
        d.FindElement(By.Name("minRelease")).SendKeys("6.2");
        d.FindElement(By.CssSelector("form.filters button[type=submit]")).Click();
        d.WaitUntil(x => x.Url.Contains("minRelease=6.2"));
        d.WaitUntil(x => x.FindElement(By.CssSelector(".empty-state")).Text.Contains("Nothing matches"));
        Assert.Equal(true, d.ExecuteScript("return window.__sameDocument === true;")); // no full page load: the circuit re-queried in place
        // the object page: what the program needs, and its minimum kernel per stream (it fails on the only kernel, so
        // the row names that kernel and what it lacks), computed by the service from the same matrix cells
        using (var http = Server.Writer())
        {
            var objects = await http.GetFromJsonAsync<List<ObjectDto>>(ApiRoutes.Objects, ContractJson.Options);
            d.Navigate().GoToUrl(Url($"objects/{objects!.Single().Id}"));
        }
        // Read everything in one retried step: the prerendered page is replaced when the interactive render starts, so an
        // element found a moment earlier can go stale (both renders show the same data).
        var page = d.WaitFor(x =>
        {
            var needs = x.FindElement(By.CssSelector("section.program dl.needs"));
            var row = x.FindElement(By.CssSelector("section.program table.min-kernel tbody tr"));
            return new
            {
                Needs = needs.Text, Kfuncs = needs.FindElement(By.CssSelector("dd.kfuncs")).Text, Isa = needs.FindElement(By.CssSelector("dd.isa")).Text,
                Stream = row.GetAttribute("data-stream") ?? "", Row = row.Text, RowNeeds = row.FindElement(By.CssSelector("ul.needs")).Text,
            };
        }, 60, "the program's needs and minimum kernel");
        Assert.Contains("BPF_PROG_TYPE_XDP", page.Needs);
        Assert.Contains("bpf_compat_missing_weak", page.Kfuncs);
        Assert.Contains("unguarded", page.Kfuncs);
        Assert.Contains("cpu v1", page.Isa);
        Assert.StartsWith("debian · ", page.Stream);
        Assert.Contains("not on the newest", page.Row);
        Assert.Contains("6.1.0-47-amd64", page.Row);
        Assert.Contains("bpf_compat_missing_weak", page.RowNeeds);
        SaveScreenshot(d, "object-needs.png");
    }

    private async Task<Reason> ExpectedReasonAsync()
    {
        using var c = Server.Writer();
        var m = await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix + "?format=json", ContractJson.Options);
        return m!.Objects.Single().Programs.Single().Results.Single().Reasons.First(r => r.Code == ReasonCodes.WeakKfuncUnguarded);
    }

    private void SaveScreenshot(ChromeDriver d, string name)
    {
        Directory.CreateDirectory(Artifacts);
        var path = Path.Combine(Artifacts, name);
        d.GetScreenshot().SaveAsFile(path);
        output.WriteLine("screenshot: " + path);
    }
}
