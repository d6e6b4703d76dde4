using Bunit;
using CompatService.Contracts;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;

namespace CompatService.Dashboard.Tests.Pages;

public class KernelPageTests : DashboardTestContext
{
    public KernelPageTests()
    {
        Api.KernelKfuncs[2] =
        [
            new KernelKfuncDto("bpf_obj_new_impl", 1001, null, "void *bpf_obj_new_impl(u64, void *)", false, 0x2, ["KF_ACQUIRE", "KF_RET_NULL"], "func"),
            new KernelKfuncDto("nf_ct_helper", 777, "nf_conntrack", "int nf_ct_helper(struct nf_conn *)", true, null, [], "func"),
            new KernelKfuncDto("bpf_prog_active", 55, null, "int", false, null, [], "var"),
        ];
        Api.Diffs[(2, 1)] = new KernelDiffDto(Api.Kernels[1], Api.Kernels[0],
            [new KernelKfuncDto("bpf_iter_num_new", 5, null, "int (struct bpf_iter_num *, int, int)", true, null, [], "func")],
            [new KernelKfuncDto("bpf_old", 6, null, "void (void)", false, null, [], "func")],
            [new KfuncPrototypeChange("bpf_obj_new_impl", "void *(u64, void *)", "void *(u64, void *, int)")]);
    }

    [Fact]
    public void Kernel_ShowsLabelsCountsAndKfuncInventoryWithFlagsAndModule()
    {
        var cut = Render<KernelPage>(p => p.Add(x => x.Id, 2));
        Assert.Equal("6.1.0-47-amd64", cut.Find("h1").TextContent);
        Assert.Contains("120 kfuncs", cut.Find("dl.facts").TextContent);
        cut.WaitForAssertion(() => Assert.Contains("KF_ACQUIRE KF_RET_NULL", cut.Find("table.inventory").TextContent));
        var inventory = cut.Find("table.inventory").TextContent;
        Assert.Contains("void *bpf_obj_new_impl(u64, void *)", inventory);
        Assert.Contains("nf_conntrack", inventory);
        Assert.Contains("bpf_kfunc", inventory);
        Assert.DoesNotContain("bpf_prog_active", inventory);
    }

    [Fact]
    public void Config_UnknownSaysHowToUploadIt_KnownSaysSo()
    {
        var cut = Render<KernelPage>(p => p.Add(x => x.Id, 2));
        var facts = cut.Find("dl.facts").TextContent;
        Assert.Contains("kconfig externs cannot be judged", facts);
        Assert.Equal("upload#config-upload", cut.Find("dl.facts a[href='upload#config-upload']").GetAttribute("href"));

        Api.Kernels[1] = Api.Kernels[1] with { HasConfig = true };
        var known = Render<KernelPage>(p => p.Add(x => x.Id, 2));
        Assert.DoesNotContain("cannot be judged", known.Find("dl.facts").TextContent);
    }

    [Fact]
    public void InventoryFilter_NarrowsByName()
    {
        var cut = Render<KernelPage>(p => p.Add(x => x.Id, 2));
        cut.Find("input[aria-label='Filter kfuncs by name']").Input("nf_ct");
        cut.WaitForAssertion(() => Assert.DoesNotContain("bpf_obj_new_impl", cut.Find("table.inventory").TextContent));
        Assert.Contains("1 of 3", cut.Markup);
    }

    [Fact]
    public void Diff_AgainstAnotherKernel_ShowsAddedRemovedChanged()
    {
        var cut = Render<KernelPage>(p => p.Add(x => x.Id, 2));
        cut.Find(".filters select").Change("1");
        cut.WaitForAssertion(() => Assert.Contains("1 added, 1 removed, 1 prototype changed", cut.Markup));
        Assert.Contains("bpf_iter_num_new", cut.Find(".diff-added").TextContent);
        Assert.Contains("bpf_old", cut.Find(".diff-removed").TextContent);
        Assert.Contains("void *(u64, void *, int)", cut.Markup);
        Assert.Contains("diff=1", CurrentUri);
    }

    [Fact]
    public void Diff_ShowsHelpersProgramAndMapTypesAddedAndRemoved_BesideKfuncs()
    {
        Api.Diffs[(2, 1)] = Api.Diffs[(2, 1)] with
        {
            Helpers = new KernelEnumDiffDto([new KernelEnumEntryDto("bpf_cgrp_storage_get", "BPF_FUNC_cgrp_storage_get", 210)], []),
            ProgramTypes = new KernelEnumDiffDto([new KernelEnumEntryDto("netfilter", "BPF_PROG_TYPE_NETFILTER", 32)], []),
            AttachTypes = null,
            MapTypes = new KernelEnumDiffDto([new KernelEnumEntryDto("arena", "BPF_MAP_TYPE_ARENA", 33)], [new KernelEnumEntryDto("cgroup_storage", "BPF_MAP_TYPE_CGROUP_STORAGE", 19)]),
        };
        var cut = Render<KernelPage>(p => p.Add(x => x.Id, 2));
        cut.Find(".filters select").Change("1");
        cut.WaitForAssertion(() => Assert.NotEmpty(cut.FindAll("section.surface-diff")));
        Assert.Contains("bpf_iter_num_new", cut.Find("section[aria-label='Added kfuncs']").TextContent);
        var helpers = cut.Find("section[aria-label='Added helpers']");
        Assert.Equal("bpf_cgrp_storage_get", helpers.QuerySelector("code")!.TextContent);
        Assert.Contains("#210", helpers.TextContent);
        Assert.Equal("BPF_FUNC_cgrp_storage_get", helpers.QuerySelector("code")!.GetAttribute("title"));
        Assert.Contains("netfilter", cut.Find("section[aria-label='Added program types']").TextContent);
        Assert.Contains("arena", cut.Find("section[aria-label='Added map types']").TextContent);
        Assert.Contains("cgroup_storage", cut.Find("section[aria-label='Removed map types']").TextContent);
        Assert.Contains("Unknown", cut.Find("section[aria-label='attach types diff']").TextContent);
    }

    [Fact]
    public void KernelsList_OrdersByVersion_AndEmptyListSaysWhatToUpload()
    {
        var cut = Render<KernelsPage>();
        Assert.Equal(["6.1.0-56-arm64", "6.1.0-47-amd64", "6.12.43+deb12-amd64"], cut.FindAll("table.list tbody tr td:first-child a").Select(a => a.TextContent));
        Api.Kernels.Clear();
        Assert.Contains("/sys/kernel/btf/vmlinux", Render<KernelsPage>().Find(".empty-state").TextContent);
    }

    [Fact]
    public void UnnamedKernel_ShowsItsBoundAndANameForm_ThatPatchesIt()
    {
        var sha = new string('a', 58) + "382c4b";
        Api.Kernels.Add(TestData.Kernel(7, "x", arch: "amd64") with { Release = null, Distro = null, Sha256 = "382c4b" + sha[6..], ReleaseBound = "≥5.11 <6.12" });
        var cut = Render<KernelPage>(p => p.Add(x => x.Id, 7));
        Assert.Equal("unnamed kernel 382c4b…", cut.Find("h1").TextContent);
        Assert.Contains("≥5.11 <6.12", cut.Find("p.unnamed").TextContent);
        Assert.Equal("kernels/7#name", cut.Find("p.unnamed a").GetAttribute("href"));

        cut.Find("input[name=release]").Change("6.1.0-47-amd64");
        cut.Find("input[name=distro]").Change("debian");
        cut.Find("form.name-form").Submit();
        var (id, request) = Assert.Single(Api.Patches);
        Assert.Equal(7, id);
        Assert.Equal("6.1.0-47-amd64", request.Release);
        Assert.Equal("debian", request.Distro);
        cut.WaitForAssertion(() => Assert.Equal("6.1.0-47-amd64", cut.Find("h1").TextContent));
        Assert.Empty(cut.FindAll("p.unnamed"));
    }
}
