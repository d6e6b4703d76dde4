using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CompatService.Api.Lab;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CompatService.Api.Tests.Lab;

/// <summary>The service's lab with its worker settings (not started: the test runs one worker step itself).</summary>
public sealed class LabApiFactory : ApiFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (LabHost.UnavailableReason is null) builder.UseSetting("Compat:Lab:Agent", LabHost.Agent);
        if (Arm64LabHost.UnavailableReason() is null)
        {
            builder.UseSetting("Compat:Lab:Arm64Agent", Arm64LabHost.Agent);
            builder.UseSetting("Compat:Lab:Arm64Sysroot", Arm64LabHost.Sysroot);
        }
        builder.UseSetting("Compat:Lab:BootTimeoutSeconds", "300");
    }
}

/// <summary>
/// POST /api/kernels/{id}/lab on the real test PostgreSQL: refusals write nothing; a run of Debian 6.1 under QEMU
/// (skipped with the reason where QEMU, the corpus or the AOT toolchain is absent) stores its observed outcomes with
/// source "lab" and shows in GET /api/lab/agreement.
/// </summary>
public sealed class LabApiTests(LabApiFactory api) : IClassFixture<LabApiFactory>
{
    private static byte[] Synthetic(string name) => File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "ingest", name));

    [PgFact]
    public async Task QueueLab_NeedsAStoredImageAndKnownObjects_RefusalsQueueNothing()
    {
        using var c = api.Writer();
        var raw = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Synthetic("vmlinux.btf"), "vmlinux.btf"));
        var rawKernel = (await raw.Content.ReadFromJsonAsync<KernelDto>())!;
        var r = await c.PostAsJsonAsync(Route(rawKernel.Id), new LabRunRequest(null));
        Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
        Assert.Contains("bzImage", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var deb = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Synthetic("linux-image-synthetic.deb"), "linux-image-synthetic.deb"));
        var debKernel = (await deb.Content.ReadFromJsonAsync<KernelDto>())!;
        await using (var db = api.NewDb())
        {
            var image = await db.KernelImages.SingleAsync(i => i.KernelId == debKernel.Id);
            Assert.Equal("deb", image.Form);
            Assert.Equal(Synthetic("linux-image-synthetic.deb"), image.Data);
        }
        r = await c.PostAsJsonAsync(Route(debKernel.Id), new LabRunRequest([new string('a', 64)]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await c.PostAsJsonAsync(Route(999999), new LabRunRequest(null))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.CreateClient().PostAsJsonAsync(Route(debKernel.Id), new LabRunRequest(null))).StatusCode);
        await using (var db = api.NewDb()) Assert.Equal(0, await db.LabRuns.CountAsync(x => x.KernelId == rawKernel.Id || x.KernelId == debKernel.Id));
    }

    [PgFact]
    public async Task Arm64Image_IsKeptForTheLab_AndQueues()
    {
        using var c = api.Writer();
        var kernel = await UploadAsync(c, "Image.gz");
        // The synthetic kernels share one BTF: the refusal test may have kept its .deb for this kernel; upload again without it.
        await using (var db = api.NewDb()) await db.KernelImages.Where(x => x.KernelId == kernel.Id).ExecuteDeleteAsync();
        Assert.Equal(kernel.Id, (await UploadAsync(c, "Image.gz")).Id);
        await using (var db = api.NewDb())
        {
            var image = await db.KernelImages.SingleAsync(i => i.KernelId == kernel.Id);
            Assert.Equal("arm64-image", image.Form);
            Assert.Equal(Synthetic("Image.gz"), image.Data);
        }
        var q = await c.PostAsJsonAsync(Route(kernel.Id), new LabRunRequest(null));
        Assert.Equal(HttpStatusCode.Accepted, q.StatusCode);
        // Not booted here (a synthetic image). The synthetic kernels share one BTF: leave neither the queued run (the other
        // tests' worker would take it) nor the kept image (the refusal test needs that kernel without one).
        await using var cleanup = api.NewDb();
        Assert.Equal(1, await cleanup.LabRuns.Where(x => x.KernelId == kernel.Id).ExecuteDeleteAsync());
        Assert.Equal(1, await cleanup.KernelImages.Where(x => x.KernelId == kernel.Id).ExecuteDeleteAsync());
    }

    [PgArm64LabFact]
    public async Task LabRun_ThroughTheApi_BootsArm64_AndStoresLabOutcomes()
    {
        using var c = api.Writer();
        var kernel = await UploadCorpusImageAsync(c, Arm64LabHost.Image, "vmlinuz-6.1.0-56-arm64", Arm64LabHost.KernelDir);
        var run = await RunLabAsync(c, kernel);
        Assert.True(run.State == "done", $"{run.State}: {run.Error}");
        Assert.Equal((2, 2, 2), (run.Programs, run.Cells, run.Agreed));
        var outcomes = (await c.GetFromJsonAsync<List<ObservedOutcomeDto>>($"{ApiRoutes.AgentReports}?source=lab"))!
            .Where(o => o.LabRunId == run.Id).ToList();
        Assert.Contains(outcomes, o => o.Program == "xdp_pass" && o.Loaded && o.Predicted == Verdict.Loads);
        Assert.Contains(outcomes, o => o.Program == "ksym_exists_present" && !o.Loaded && o.Predicted == Verdict.Fails);
    }

    private static async Task<KernelDto> UploadAsync(HttpClient c, string synthetic)
    {
        var up = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Synthetic(synthetic), synthetic));
        Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        return (await up.Content.ReadFromJsonAsync<KernelDto>())!;
    }

    /// <summary>Uploads a corpus kernel image with its directory's config.</summary>
    private static async Task<KernelDto> UploadCorpusImageAsync(HttpClient c, string imagePath, string fileName, string kernelDir)
    {
        using var form = new MultipartFormDataContent();
        var image = new ByteArrayContent(await File.ReadAllBytesAsync(imagePath));
        image.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(image, "file", fileName);
        form.Add(new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(kernelDir, "config.gz"))), "config", "config.gz");
        var up = await c.PostAsync(ApiRoutes.Kernels, form);
        Assert.True(up.IsSuccessStatusCode, await up.Content.ReadAsStringAsync());
        return (await up.Content.ReadFromJsonAsync<KernelDto>())!;
    }

    /// <summary>Uploads xdp_pass and ksym_exists_present, queues a lab run of them on the kernel, runs one worker step.</summary>
    private async Task<LabRunDto> RunLabAsync(HttpClient c, KernelDto kernel)
    {
        var shas = new List<string>();
        foreach (var name in new[] { "xdp_pass.bpfel.o", "ksym_exists_present.bpfel.o" })
        {
            var o = await c.PostAsync(ApiRoutes.Objects, Multipart.File(await File.ReadAllBytesAsync(Path.Combine(TestPaths.Fixtures, "bpf", name)), name));
            shas.Add((await o.Content.ReadFromJsonAsync<ObjectDto>())!.Sha256);
        }
        var q = await c.PostAsJsonAsync(Route(kernel.Id), new LabRunRequest(shas));
        Assert.Equal(HttpStatusCode.Accepted, q.StatusCode);
        Assert.Equal("queued", (await q.Content.ReadFromJsonAsync<LabRunDto>())!.State);
        var worker = ActivatorUtilities.CreateInstance<LabWorker>(api.Services);
        Assert.True(await worker.RunOneAsync(CancellationToken.None));
        return Assert.Single((await c.GetFromJsonAsync<List<LabRunDto>>(Route(kernel.Id)))!);
    }

    [Fact]
    public void RunOptions_TakeTheImagesArchitecturesAgent_AndSayWhatIsMissing()
    {
        var o = new CompatService.Api.Options.LabOptions { Agent = "/x86/compat-agent", Arm64Agent = "/arm/compat-agent", Arm64Sysroot = "/arm/sysroot", Busybox = "/bb" };
        var amd = LabExecutor.RunOptions(o, CompatService.Lab.LabArch.Amd64, "vmlinuz", "/w");
        Assert.Equal(("/x86/compat-agent", null, "/bb", null), (amd.Agent, amd.Qemu, amd.Busybox, amd.Sysroot));
        var arm = LabExecutor.RunOptions(o, CompatService.Lab.LabArch.Arm64, "Image.gz", "/w");
        Assert.Equal(("/arm/compat-agent", null, null, "/arm/sysroot"), (arm.Agent, arm.Qemu, arm.Busybox, arm.Sysroot));
        var e = Assert.Throws<CompatService.Lab.LabException>(() => LabExecutor.RunOptions(new CompatService.Api.Options.LabOptions { Agent = "/x" },
            CompatService.Lab.LabArch.Arm64, "Image.gz", "/w"));
        Assert.Contains("Compat:Lab:Arm64Agent", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<CompatService.Lab.LabException>(() => LabExecutor.RunOptions(new CompatService.Api.Options.LabOptions { Arm64Agent = "/a" },
            CompatService.Lab.LabArch.Arm64, "Image.gz", "/w"));
        Assert.Contains("Compat:Lab:Arm64Sysroot", e.Message, StringComparison.Ordinal);
    }

    [PgLabFact]
    public async Task LabRun_ThroughTheApi_Boots61_AndStoresLabOutcomes()
    {
        using var c = api.Writer();
        var kernel = await UploadCorpusImageAsync(c, LabHost.Image, "vmlinuz-6.1.0-56-amd64", LabHost.KernelDir);

        var run = await RunLabAsync(c, kernel);
        Assert.True(run.State == "done", $"{run.State}: {run.Error}");
        Assert.Equal(2, run.Programs);
        Assert.Equal(2, run.Cells);
        Assert.Equal(2, run.Agreed);
        var outcomes = (await c.GetFromJsonAsync<List<ObservedOutcomeDto>>($"{ApiRoutes.AgentReports}?source=lab"))!
            .Where(o => o.KernelId == kernel.Id).ToList();
        Assert.Equal(2, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(("lab", run.Id, kernel.Id), (o.Source, o.LabRunId!.Value, o.KernelId!.Value)));
        Assert.Contains(outcomes, o => o.Program == "xdp_pass" && o.Loaded && o.Predicted == Verdict.Loads);
        Assert.Contains(outcomes, o => o.Program == "ksym_exists_present" && !o.Loaded && o.Predicted == Verdict.Fails);
        var agreement = (await c.GetFromJsonAsync<List<LabAgreementDto>>(ApiRoutes.LabAgreement))!;
        var row = Assert.Single(agreement, a => a.KernelId == kernel.Id);
        Assert.Equal((2, 2, run.Id), (row.Cells, row.Agreed, row.RunId));
    }

    private static string Route(long id) => ApiRoutes.KernelLab.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}

/// <summary>PostgreSQL and the arm64 lab (corpus 6.1 arm64 image, qemu-system-aarch64, the arm64 agent and sysroot).</summary>
public sealed class PgArm64LabFactAttribute : FactAttribute
{
    public PgArm64LabFactAttribute()
    {
        if (PostgresServer.FindBin() is null) Skip = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
        else if (Arm64LabHost.UnavailableReason() is { } r) Skip = r;
    }
}

/// <summary>PostgreSQL and the kernel lab (corpus 6.1 image, QEMU, busybox-static, AOT toolchain); skipped with the first missing.</summary>
public sealed class PgLabFactAttribute : FactAttribute
{
    public PgLabFactAttribute()
    {
        if (PostgresServer.FindBin() is null) Skip = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
        else if (LabHost.UnavailableReason is { } r) Skip = r;
    }
}
