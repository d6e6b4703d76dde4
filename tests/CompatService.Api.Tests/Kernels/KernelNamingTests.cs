using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Data.Entities;
using CompatService.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// Issue 12 item 4: a kernel uploaded without a name. Its BTF proves its arch and a version bound (never shown as a
/// release); release filters keep it unless the bound proves it outside; a later upload of a richer form fills what
/// is missing and merges labels; PATCH /api/kernels/{id} (write key) names it and recomputes its cells.
/// </summary>
public sealed class KernelNamingTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static byte[] RealBtf => File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "kernels", "debian-6.1.0-47-amd64", "vmlinux.btf.gz"));
    private static byte[] Ingest(string name) => File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "ingest", name));

    [PgFact]
    public async Task RawBtf_WithoutName_GetsArchAndBound_FiltersKeepIt_PatchNamesIt()
    {
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(RealBtf, "vmlinux"));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var k = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Null(k.Release);
        Assert.Equal("amd64", k.Arch); // from struct pt_regs
        Assert.Equal("≥5.11 <6.12", k.ReleaseBound); // has 5.11+ helpers, lacks 6.2's cgrp_storage helpers
        Assert.StartsWith("unnamed kernel ", k.DisplayName, StringComparison.Ordinal);

        async Task<bool> Listed(string query) =>
            (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?{query}"))!.Any(x => x.Id == k.Id);
        Assert.True(await Listed("minRelease=6.0"));
        Assert.True(await Listed("maxRelease=6.1"));
        Assert.True(await Listed("arch=amd64"));
        Assert.False(await Listed("minRelease=6.12"));
        Assert.False(await Listed("maxRelease=5.10"));

        using var anonymous = api.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PatchAsJsonAsync($"/api/kernels/{k.Id}", new KernelPatchRequest(Release: "6.1.0-47-amd64"))).StatusCode);
        var bad = await c.PatchAsJsonAsync($"/api/kernels/{k.Id}", new KernelPatchRequest(Release: "banana"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("release", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await c.PatchAsJsonAsync("/api/kernels/999999", new KernelPatchRequest(Distro: "debian"))).StatusCode);

        var jobsBefore = await KernelJobsAsync(k.Id);
        var p = await c.PatchAsJsonAsync($"/api/kernels/{k.Id}", new KernelPatchRequest(Release: "6.1.0-47-amd64", Distro: "debian",
            Labels: new Dictionary<string, string?> { ["fleet"] = "edge", ["tmp"] = "x" }));
        Assert.Equal(HttpStatusCode.OK, p.StatusCode);
        var named = (await p.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal("6.1.0-47-amd64", named.Release);
        Assert.Equal("amd64", named.Flavour);
        Assert.Equal("debian", named.Distro);
        Assert.Equal("edge", named.Labels["fleet"]);
        Assert.Equal(jobsBefore + 1, await KernelJobsAsync(k.Id)); // the release decides verdicts: cells recomputed

        var drop = await c.PatchAsJsonAsync($"/api/kernels/{k.Id}", new KernelPatchRequest(Labels: new Dictionary<string, string?> { ["tmp"] = null }));
        var dropped = (await drop.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.False(dropped.Labels.ContainsKey("tmp"));
        Assert.Equal("edge", dropped.Labels["fleet"]);
        Assert.Equal(jobsBefore + 1, await KernelJobsAsync(k.Id)); // labels do not change verdicts

        // A repeated upload with labels merges them (they were ignored before) and never overwrites the release.
        var again = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(RealBtf, "vmlinux", ("labels", "dc=fra"), ("release", "9.9.9")));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var merged = (await again.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal(k.Id, merged.Id);
        Assert.Equal("fra", merged.Labels["dc"]);
        Assert.Equal("edge", merged.Labels["fleet"]);
        Assert.Equal("6.1.0-47-amd64", merged.Release);
    }

    [PgFact]
    public async Task RicherFormOfTheSameKernel_FillsReleaseFlavourAndKfuncFlags()
    {
        using var c = api.Writer();
        var raw = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Ingest("vmlinux.btf"), "vmlinux.btf"));
        Assert.Equal(HttpStatusCode.Created, raw.StatusCode);
        var k = (await raw.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Null(k.Release);
        Assert.False(k.HasKfuncFlags);
        var jobsBefore = await KernelJobsAsync(k.Id);

        var image = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Ingest("bzImage.zstd"), "vmlinuz"));
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        var filled = (await image.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal(k.Id, filled.Id);
        Assert.Equal("6.99.0-1-cloud-amd64", filled.Release);
        Assert.Equal("cloud-amd64", filled.Flavour);
        Assert.True(filled.HasKfuncFlags);
        Assert.Equal(jobsBefore + 1, await KernelJobsAsync(k.Id));
    }

    private async Task<int> KernelJobsAsync(long kernelId)
    {
        await using var db = api.NewDb();
        var payload = kernelId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (await db.Jobs.AsNoTracking().Where(j => j.Kind == JobKinds.Kernel).Select(j => j.Payload).ToListAsync())
            .Count(p => System.Text.RegularExpressions.Regex.IsMatch(p, $@"(?<!\d){payload}(?!\d)"));
    }
}
