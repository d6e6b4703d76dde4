using System.Diagnostics;
using CompatService.Dashboard.Api;
using CompatService.Dashboard.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// 50 kernels × 500 programs in a real browser (the real host; the dashboard fed a generated IDashboardApi): only the visible
/// rows are in the DOM, scrolling brings the last row, a filter re-queries in place. Times are reported, never asserted.
/// </summary>
public sealed class LargeMatrixBrowserTests(ITestOutputHelper output) : BrowserTest
{
    private readonly FakeDashboardApi _api = LargeMatrix.Create();

    protected override DashboardServer CreateServer() => new() { TestServices = s => s.AddScoped<IDashboardApi>(_ => _api) };

    [BrowserFact]
    public void FiftyKernelsByFiveHundredPrograms_OnlyVisibleRowsRendered_ScrollReachesTheEnd()
    {
        var d = Driver;
        var sw = Stopwatch.StartNew();
        d.OpenInteractive(new Uri(Server.BaseAddress, ""));
        d.WaitFor(x => x.FindElement(By.CssSelector("button.cell")), 60, "the first cell");
        var firstCell = sw.Elapsed;

        Assert.Equal(50, d.FindElements(By.CssSelector("th.kernel")).Count);
        var rendered = d.FindElements(By.CssSelector("button.cell")).Count;
        Assert.InRange(rendered, 50, 25_000 / 4); // virtualised: a few dozen rows of 50 cells, not 500 rows
        Assert.Contains("500 programs in 50 objects × 50 kernels", d.FindElement(By.CssSelector(".summary")).Text);

        // Issue 12 item 9: 20 kernel columns fit beside the program column at 1400 px; group headers keep their full text.
        var twentyColumns = Convert.ToDouble(d.ExecuteScript(
            "const c = document.querySelector('th.corner').getBoundingClientRect().width;" +
            "const td = document.querySelector('table.matrix tbody tr.program-row td').getBoundingClientRect().width; return c + 20 * td;"),
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(twentyColumns <= 1400, $"program column + 20 kernel columns = {twentyColumns:F0} px");
        Assert.All(d.FindElements(By.CssSelector("th.group")), g => Assert.Equal(g.GetAttribute("title"), g.GetAttribute("aria-label")));

        sw.Restart();
        d.ExecuteScript("const g = document.querySelector('.grid-scroll'); g.scrollTop = g.scrollHeight;");
        var last = d.WaitFor(x => x.FindElement(By.CssSelector("button.cell[aria-label^='prog prog_49_09 ']")), 30, "the last row");
        var scrolled = sw.Elapsed;
        Assert.NotNull(last);
        Assert.InRange(d.FindElements(By.CssSelector("button.cell")).Count, 50, 25_000 / 4);

        sw.Restart();
        var queries = _api.MatrixQueries.Count;
        d.FindElement(By.Name("minRelease")).SendKeys("6.12");
        d.FindElement(By.CssSelector("form.filters button[type=submit]")).Click();
        d.WaitUntil(_ => _api.MatrixQueries.Count > queries && d.Url.Contains("minRelease=6.12"), 30, "the filtered query");
        d.WaitFor(x => x.FindElement(By.CssSelector("button.cell")), 30, "cells after filtering");
        var filtered = sw.Elapsed;
        Assert.Equal("6.12", _api.MatrixQueries[^1].MinRelease);

        var report = $"50 kernels × 500 programs: first cell {firstCell.TotalMilliseconds:F0} ms after navigation, " +
                     $"{rendered} cell buttons in the DOM (of 25000), scroll to the end {scrolled.TotalMilliseconds:F0} ms, " +
                     $"filter round trip {filtered.TotalMilliseconds:F0} ms";
        output.WriteLine(report);
        Directory.CreateDirectory(MatrixBrowserTests.Artifacts);
        File.WriteAllText(Path.Combine(MatrixBrowserTests.Artifacts, "large-matrix.txt"), report + Environment.NewLine);
        d.GetScreenshot().SaveAsFile(Path.Combine(MatrixBrowserTests.Artifacts, "large-matrix.png"));
    }
}
