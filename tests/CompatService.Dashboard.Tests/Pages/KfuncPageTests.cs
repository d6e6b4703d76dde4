using Bunit;
using CompatService.Contracts;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;

namespace CompatService.Dashboard.Tests.Pages;

public class KfuncPageTests : DashboardTestContext
{
    public KfuncPageTests()
    {
        Api.Kfuncs["bpf_iter_num_new"] = new KfuncHistoryDto("bpf_iter_num_new",
        [
            new KfuncPresence(2, "6.1.0-47-amd64", "x86_64", null, "debian", false, null, false, null, null),
            new KfuncPresence(1, "6.12.43+deb12-amd64", "x86_64", null, "debian", true, "int (struct bpf_iter_num *, int, int)", false, null, null),
            new KfuncPresence(3, "6.1.0-56-arm64", "arm64", null, "debian", false, null, false, null, null),
        ]);
    }

    [Fact]
    public void Kfunc_TimelineIsAnSvgWithALanePerStream_PresentAndAbsentPoints()
    {
        var cut = Render<KfuncPage>(p => p.Add(x => x.Name, "bpf_iter_num_new"));
        var svg = cut.Find("figure.timeline svg");
        Assert.Equal("img", svg.GetAttribute("role"));
        Assert.Equal(2, cut.FindAll("svg g.lane").Count);
        Assert.Single(cut.FindAll("svg g.pt.present"));
        Assert.Equal(2, cut.FindAll("svg g.pt.absent").Count);
        Assert.Contains("debian · x86_64 · default: since 6.12.43+deb12-amd64", cut.Find("svg desc").TextContent);
        Assert.Contains("Present on 1 of 3 kernels", cut.Markup);
    }

    [Fact]
    public void Kfunc_SinceWhenTable_PerDistroStream()
    {
        var cut = Render<KfuncPage>(p => p.Add(x => x.Name, "bpf_iter_num_new"));
        var rows = cut.FindAll("table.plain")[0].QuerySelectorAll("tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains("arm64") && r.Contains("never (absent)"));
        Assert.Contains(rows, r => r.Contains("x86_64") && r.Contains("6.12.43+deb12-amd64"));
    }

    [Fact]
    public void KfuncsIndex_ListsKfuncsTheObjectsUse()
    {
        var cut = Render<KfuncsPage>();
        var links = cut.FindAll(".kfunc-list a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(["kfuncs/bpf_missing_kfunc", "kfuncs/bpf_new_kfunc"], links);
    }

    [Fact]
    public void KernelWithoutAnyKfuncInfo_IsUnknown_NotAbsent()
    {
        Api.Kernels[1] = Api.Kernels[1] with { KfuncCount = 0, HasKfuncTags = false, HasKfuncFlags = false };
        var cut = Render<KfuncPage>(p => p.Add(x => x.Name, "bpf_iter_num_new"));
        Assert.Single(cut.FindAll("svg g.pt.unknown"));
        Assert.Single(cut.FindAll("svg g.pt.absent"));
        Assert.Contains(cut.FindAll("tbody tr"), r => r.TextContent.Contains("6.1.0-47-amd64") && r.TextContent.Contains("not known"));
        Assert.Contains("earlier kernels not known", cut.Find("svg desc").TextContent);
    }

    [Fact]
    public void Kfunc_EveryKernelTable_NamesAnUnnamedKernelLikeTheRestOfTheDashboard()
    {
        Api.Kfuncs["bpf_rcu_read_lock"] = new KfuncHistoryDto("bpf_rcu_read_lock",
        [
            new KfuncPresence(7, null, "x86_64", null, null, true, "void (void)", false, null, null, "382c4b8a58e2d7f0b1c3"),
            new KfuncPresence(8, null, "x86_64", null, null, false, null, false, null, null),
        ]);
        var cut = Render<KfuncPage>(p => p.Add(x => x.Name, "bpf_rcu_read_lock"));
        var names = cut.FindAll("table.plain")[^1].QuerySelectorAll("tbody tr td:first-child a").Select(a => a.TextContent).ToList();
        Assert.Contains("unnamed kernel 382c4b…", names);     // KernelDto.UnnamedName, as on the kernel page and the matrix
        Assert.Contains("unnamed kernel (id 8)", names);      // a payload without the additive sha256 field
    }
}
