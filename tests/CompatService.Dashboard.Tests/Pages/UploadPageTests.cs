using Bunit;
using CompatService.Dashboard.Pages;
using CompatService.Dashboard.Tests.Infrastructure;
using Microsoft.AspNetCore.Components.Forms;

namespace CompatService.Dashboard.Tests.Pages;

public class UploadPageTests : DashboardTestContext
{
    private static IRenderedComponent<InputFile> Zone(IRenderedComponent<UploadPage> cut, string id) =>
        cut.FindComponents<InputFile>().Single(c => Equals(c.Instance.AdditionalAttributes?["id"], id));

    [Fact]
    public void PickingAnObject_SendsItsBytesWithLabels_AndLinksTheResult()
    {
        var cut = Render<UploadPage>();
        cut.Find("section[aria-labelledby=object-upload] .fields input[placeholder^=repo]").Change("repo=demo");
        var input = Zone(cut, "object-file");
        input.UploadFiles(InputFileContent.CreateFromBinary([1, 2, 3, 4], "prog.bpf.o"));
        cut.WaitForAssertion(() => Assert.Contains("stored", cut.Find("li.upload .upload-status").TextContent));
        var u = Assert.Single(Api.Uploads);
        Assert.Equal(("object", "prog.bpf.o", "repo=demo"), (u.Kind, u.FileName, u.Labels));
        Assert.Equal([1, 2, 3, 4], u.Bytes);
        Assert.Contains("its verdicts are in the matrix", cut.Find("li.upload").TextContent);
    }

    [Fact]
    public void PickingAKernel_SendsItToTheKernelEndpoint()
    {
        var cut = Render<UploadPage>();
        cut.FindAll(".fields input")[0].Change("6.1.0-99-amd64");
        Zone(cut, "kernel-file").UploadFiles(InputFileContent.CreateFromBinary([9, 9], "vmlinux"));
        cut.WaitForAssertion(() => Assert.Contains("6.1.0-99-amd64", cut.Find("li.upload").TextContent));
        Assert.Equal("kernel", Assert.Single(Api.Uploads).Kind);
    }

    [Fact]
    public void RefusedUpload_ShowsTheServicesProblemPlainly()
    {
        Api.UploadError = FakeDashboardApi.Problem(422, "not a BPF object", "prog.txt: ELF magic missing at offset 0");
        var cut = Render<UploadPage>();
        Zone(cut, "object-file").UploadFiles(InputFileContent.CreateFromText("hello", "prog.txt"));
        cut.WaitForAssertion(() => Assert.Contains("refused", cut.Find("li.upload .upload-status").TextContent));
        var problem = cut.Find("li.upload .problem");
        Assert.Equal("alert", problem.GetAttribute("role"));
        Assert.Contains("422", problem.TextContent);
        Assert.Contains("not a BPF object", problem.TextContent);
        Assert.Contains("ELF magic missing at offset 0", problem.TextContent);
    }

    [Fact]
    public void TooLargeFile_IsRefusedBeforeSending()
    {
        var cut = Render<UploadPage>();
        Zone(cut, "object-file").UploadFiles(InputFileContent.CreateFromBinary(new byte[2 * 1024 * 1024], "big.o"));
        cut.WaitForAssertion(() => Assert.Contains("file too large", cut.Find("li.upload .problem").TextContent));
        Assert.Empty(Api.Uploads);
    }

    [Fact]
    public void DropZones_AreLabelledFileInputs()
    {
        var cut = Render<UploadPage>();
        Assert.Equal(4, cut.FindAll(".dropzone input[type=file]").Count); // kernels, modules, configs, objects
        Assert.NotNull(cut.Find("label[for=object-file]"));
        Assert.NotNull(cut.Find("label[for=config-file]"));
        Assert.NotNull(cut.Find("input#object-file"));
    }

    [Fact]
    public void ModuleBtf_GoesToTheChosenKernel()
    {
        var cut = Render<UploadPage>();
        cut.Find("section[aria-labelledby=kernel-upload] select").Change("2");
        Zone(cut, "module-file")
            .UploadFiles(InputFileContent.CreateFromBinary([7, 7, 7], "nf_conntrack.btf"));
        cut.WaitForAssertion(() => Assert.Contains("now has 1 module: nf_conntrack", cut.Markup));
        Assert.Equal("module:2", Assert.Single(Api.Uploads).Kind);
    }

    [Fact]
    public void KernelConfig_GoesToTheChosenKernel_AndSaysCellsAreRecomputed()
    {
        var cut = Render<UploadPage>();
        cut.FindAll("section[aria-labelledby=kernel-upload] select")[1].Change("2");
        Zone(cut, "config-file")
            .UploadFiles(InputFileContent.CreateFromText("CONFIG_BPF_SYSCALL=y\n", "config-6.12"));
        cut.WaitForAssertion(() => Assert.Contains("has its config; its cells are recomputed", cut.Markup));
        var upload = Assert.Single(Api.Uploads);
        Assert.Equal("config:2", upload.Kind);
        Assert.Equal("config-6.12", upload.FileName);
    }
}
