using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;

namespace CompatService.Api.Tests.Storage;

public sealed class ConcurrencyTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [PgFact]
    public async Task ThirtyTwoParallelIdenticalKernelUploads_OneRow_OneCreated()
    {
        var btf = TinyBtf.Build(["bpf_parallel_a", "bpf_parallel_b"]);
        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            using var c = api.Writer();
            return await c.PostAsync(ApiRoutes.Kernels, Multipart.File(btf, "vmlinux"));
        }));
        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Content.ReadFromJsonAsync<KernelDto>())!.Id));
        Assert.Single(ids.Distinct());
        await using var db = api.NewDb();
        var sha = Files.Sha(btf);
        Assert.Equal(1, db.Kernels.Count(k => k.Sha256 == sha));
        Assert.Equal(1, db.KernelBlobs.Count(b => b.Sha256 == sha));
        Assert.Equal(2, db.KernelSymbols.Count(s => s.KernelId == ids[0] && s.Kind == "func"));
    }

    [PgFact]
    public async Task ThirtyTwoParallelIdenticalObjectUploads_OneRow()
    {
        var bytes = Files.Fixture("kfunc_strong_present");
        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
        {
            using var c = api.Writer();
            return await c.PostAsync(ApiRoutes.Objects, Multipart.File(bytes, "p.o"));
        }));
        Assert.All(responses, r => Assert.True(r.IsSuccessStatusCode, r.StatusCode.ToString()));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        await using var db = api.NewDb();
        var sha = Files.Sha(bytes);
        Assert.Equal(1, db.Objects.Count(o => o.Sha256 == sha));
    }
}
