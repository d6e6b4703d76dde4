using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;

namespace CompatService.Api.Tests.Kernels;

public sealed class KernelUploadTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] TinyFuncs = ["bpf_tiny_a", "bpf_tiny_b"];

    [PgFact]
    public async Task RawBtf_Created_ThenSameBytes_OkWithSameRow()
    {
        var btf = TinyBtf.Build(["bpf_raw_once", "bpf_raw_twice"]);
        using var c = api.Writer();
        var first = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(btf, "vmlinux.btf", ("release", "6.9.0-test-amd64"), ("arch", "amd64")));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var k = (await first.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal(Files.Sha(btf), k.Sha256);
        Assert.Equal("6.9.0-test-amd64", k.Release);
        Assert.Equal("amd64", k.Arch);
        Assert.Equal(2, k.KfuncCount);
        Assert.True(k.HasKfuncTags);
        Assert.Equal($"/api/kernels/{k.Id}", first.Headers.Location!.ToString());

        var again = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(btf, "vmlinux.btf"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(k.Id, (await again.Content.ReadFromJsonAsync<KernelDto>())!.Id);
    }

    [PgFact]
    public async Task GzipOfStoredBtf_AnswersTheExistingKernel()
    {
        var btf = TinyBtf.Build(["bpf_gz_dedupe"]);
        using var c = api.Writer();
        var raw = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(btf, "vmlinux"));
        Assert.Equal(HttpStatusCode.Created, raw.StatusCode);
        var before = await api.CountsAsync();
        var gz = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Gzip(btf), "vmlinux.btf.gz"));
        Assert.Equal(HttpStatusCode.OK, gz.StatusCode);
        Assert.Equal((await raw.Content.ReadFromJsonAsync<KernelDto>())!.Id, (await gz.Content.ReadFromJsonAsync<KernelDto>())!.Id);
        Assert.Equal(before, await api.CountsAsync());
    }

    [PgFact]
    public async Task Labels_StoredAndFilterTheList()
    {
        using var c = api.Writer();
        var a = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_label_a"]), "a", ("labels", "{\"fleet\":\"edge\",\"dc\":\"fra\"}")));
        var b = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_label_b"]), "b", ("labels", "fleet=core")));
        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        var ka = (await a.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal("edge", ka.Labels["fleet"]);
        var edge = (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?label=fleet=edge"))!;
        Assert.Equal([ka.Id], edge.Select(k => k.Id));
        var both = (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?label=fleet=edge&label=dc=fra"))!;
        Assert.Single(both);
        var none = (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?label=fleet=edge&label=dc=ams"))!;
        Assert.Empty(none);
    }

    [PgFact]
    public async Task Get_Kfuncs_Diff_KfuncHistory_Delete()
    {
        using var c = api.Writer();
        var r1 = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_keep", "bpf_gone"], varName: "v1"), "k1", ("release", "6.1.0-1-amd64")));
        var r2 = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_keep", "bpf_new"], varName: "v2", paramCount: 2), "k2", ("release", "6.12.0-1-amd64")));
        var k1 = (await r1.Content.ReadFromJsonAsync<KernelDto>())!;
        var k2 = (await r2.Content.ReadFromJsonAsync<KernelDto>())!;

        var got = (await c.GetFromJsonAsync<KernelDto>($"/api/kernels/{k1.Id}"))!;
        Assert.Equal(k1.Sha256, got.Sha256);
        var kfuncs = (await c.GetFromJsonAsync<List<KernelKfuncDto>>($"/api/kernels/{k1.Id}/kfuncs"))!;
        Assert.Equal(["bpf_gone", "bpf_keep"], kfuncs.Select(k => k.Name));
        Assert.All(kfuncs, k => Assert.True(k.Tagged));
        Assert.Equal("int bpf_keep(int)", kfuncs.Single(k => k.Name == "bpf_keep").Prototype);
        var vars = (await c.GetFromJsonAsync<List<KernelKfuncDto>>($"/api/kernels/{k1.Id}/kfuncs?kind=var"))!;
        Assert.Equal("v1", Assert.Single(vars).Name);

        var diff = (await c.GetFromJsonAsync<KernelDiffDto>($"/api/kernels/{k1.Id}/diff/{k2.Id}"))!;
        Assert.Equal(["bpf_new"], diff.Added.Select(k => k.Name));
        Assert.Equal(["bpf_gone"], diff.Removed.Select(k => k.Name));
        var changed = Assert.Single(diff.Changed);
        Assert.Equal("bpf_keep", changed.Name);
        Assert.Equal("int bpf_keep(int, int)", changed.ToPrototype);

        var history = (await c.GetFromJsonAsync<KfuncHistoryDto>("/api/kfuncs/bpf_gone"))!;
        Assert.True(history.Kernels.Single(k => k.KernelId == k1.Id).Present);
        Assert.False(history.Kernels.Single(k => k.KernelId == k2.Id).Present);

        var filtered = (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?minRelease=6.12"))!;
        Assert.Contains(filtered, k => k.Id == k2.Id);
        Assert.DoesNotContain(filtered, k => k.Id == k1.Id);

        Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/kernels/{k1.Id}")).StatusCode);
        var gone = await c.GetAsync($"/api/kernels/{k1.Id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType!.MediaType);
        await using var db = api.NewDb();
        Assert.False(db.KernelBlobs.Any(b => b.Sha256 == k1.Sha256));
        Assert.False(db.KernelSymbols.Any(s => s.KernelId == k1.Id));
    }

    [PgFact]
    public async Task UntaggedBtfWithoutImage_HasNoKfuncRows_AndSaysSo()
    {
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(TinyFuncs, tagged: false), "untagged"));
        var k = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal(0, k.KfuncCount);
        Assert.False(k.HasKfuncTags);
        Assert.False(k.HasKfuncFlags);
        Assert.Equal(2, k.FunctionCount);
    }
}
