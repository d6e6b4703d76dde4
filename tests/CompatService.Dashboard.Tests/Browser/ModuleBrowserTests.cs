using CompatService.Contracts;
using CompatService.Tests.Shared;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// Module BTF through the page: a program calling nf_conntrack kfuncs fails on the bare 7.2 kernel (kfunc-missing), and
/// loads once nf_conntrack's BTF is uploaded for that kernel, its kfunc resolved in the module.
/// </summary>
public sealed class ModuleBrowserTests(ITestOutputHelper output) : BrowserTest
{

    [BrowserFact]
    public void ModuleBtfUploadedThroughThePage_TurnsKfuncMissingIntoLoads()
    {
        var d = Driver;
        var kernelDir = Path.Combine(TestPaths.Fixtures, "kernels", "debian-7.2.13+deb14-amd64");
        d.OpenInteractive(new Uri(Server.BaseAddress, "upload"));
        var fields = d.FindElements(By.CssSelector("section[aria-labelledby=kernel-upload] .fields input"));
        fields[0].SendKeys("7.2.13+deb14-amd64");
        fields[0].SendKeys(Keys.Tab);
        d.FindElement(By.Id("kernel-file")).SendKeys(Path.Combine(kernelDir, "vmlinux.btf.gz"));
        d.WaitFor(x => x.FindElements(By.CssSelector("section[aria-labelledby=kernel-upload] li.upload"))
            .FirstOrDefault(li => li.Text.Contains("stored")), 120, "the kernel upload");
        d.FindElement(By.Id("object-file")).SendKeys(Path.Combine(TestPaths.Fixtures, "bpf", "kfunc_module_ct.bpfel.o"));
        d.WaitFor(x => x.FindElements(By.CssSelector("section[aria-labelledby=object-upload] li.upload"))
            .FirstOrDefault(li => li.Text.Contains("stored")), 60, "the object upload");

        d.FindElement(By.CssSelector("nav a[href='']")).Click();
        var before = d.WaitFor(x => x.FindElement(By.CssSelector("button.cell")), 60, "the cell");
        Assert.Equal($"prog xdp_ct_lookup on kernel 7.2.13+deb14-amd64: fails, {ReasonCodes.KfuncMissing}", before.GetAttribute("aria-label"));

        // the module section appears once a kernel is stored: choose it, drop nf_conntrack's BTF
        d.FindElement(By.CssSelector("nav a[href='upload']")).Click();
        var module = d.WaitFor(x => x.FindElement(By.Id("module-file")), 30, "the module upload zone");
        d.FindElements(By.CssSelector("section[aria-labelledby=kernel-upload] select option")).First(o => o.Text.Contains("7.2.13+deb14-amd64")).Click();
        d.FindElement(By.CssSelector("section[aria-labelledby=kernel-upload] input[placeholder='the file name']")).SendKeys("nf_conntrack" + Keys.Tab);
        module.SendKeys(Path.Combine(kernelDir, "modules", "nf_conntrack.btf.gz"));
        var stored = d.WaitFor(x => x.FindElements(By.CssSelector("li.upload"))
            .FirstOrDefault(li => li.Text.Contains("now has 1 module")), 60, "the module upload");
        Assert.Contains("nf_conntrack", stored.Text);

        d.FindElement(By.CssSelector("nav a[href='']")).Click();
        var after = d.WaitFor(x => x.FindElement(By.CssSelector("button.cell[aria-label$=': loads']")), 60, "the cell to load");
        after.Click();
        var details = d.WaitFor(x => x.FindElement(By.CssSelector("section.details")));
        var row = details.FindElements(By.CssSelector("tbody tr")).First(r => r.Text.Contains("bpf_xdp_ct_lookup"));
        Assert.Contains("resolved", row.Text);
        Assert.Contains("nf_conntrack", row.Text);
        Assert.Matches(@"\d+", row.FindElements(By.TagName("td"))[2].Text); // its BTF id in the module
        d.GetScreenshot().SaveAsFile(Path.Combine(Directory.CreateDirectory(MatrixBrowserTests.Artifacts).FullName, "module-resolved.png"));
        output.WriteLine(row.Text);
    }
}
