using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Caching;
using CompatService.Api.Options;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;
using Microsoft.EntityFrameworkCore;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// A kernel uploaded as its image keeps its kallsyms as a compact stored table (names and types, not the image), and
/// the matrix worker's kernel (read back from PostgreSQL) carries it: the typed ksym of ksym_typed_present is decided by
/// the image's kallsyms. The same kernel first uploaded as raw BTF has none, and gains them when its image follows.
/// </summary>
public sealed class KernelKallsymsUploadTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static byte[] Corpus(params string[] parts) => File.ReadAllBytes(Path.Combine([TestPaths.Corpus, .. parts]));

    [PgCorpusFact]
    public async Task RawBtfThenImage_KallsymsAttached_AndTheWorkersKernelCarriesThem()
    {
        using var c = api.Writer();
        var raw = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Corpus("btf", "debian-6.1.0-56-arm64", "vmlinux.btf.gz"), "vmlinux.btf.gz"));
        Assert.Equal(HttpStatusCode.Created, raw.StatusCode);
        var k = (await raw.Content.ReadFromJsonAsync<KernelDto>())!;
        await using (var db = api.NewDb())
            Assert.Null((await db.Kernels.SingleAsync(x => x.Id == k.Id)).KallsymsSha256);

        var image = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Corpus("images", "debian-6.1.0-56-arm64", "Image.gz"), "Image.gz"));
        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal(k.Id, (await image.Content.ReadFromJsonAsync<KernelDto>())!.Id);

        await using var check = api.NewDb();
        var row = await check.Kernels.Include(x => x.Modules).SingleAsync(x => x.Id == k.Id);
        Assert.NotNull(row.KallsymsSha256);
        var blob = await check.KernelBlobs.SingleAsync(b => b.Sha256 == row.KallsymsSha256);
        Assert.InRange(blob.Data.Length, 1, 2 << 20); // a compact table, not the 11 MB image
        var table = KallsymsTable.Parse(blob.Data);
        Assert.Equal(50336, table.EntryCount);
        Assert.True(table.Contains("bpf_prog_load"));

        // A fresh cache reads the kernel back as the matrix worker does.
        var cache = new EngineCache(Microsoft.Extensions.Options.Options.Create(new CompatOptions()));
        var kernel = await cache.KernelAsync(check, row, CancellationToken.None);
        Assert.NotNull(kernel.Kallsyms);
        var obj = CompatEngine.OpenObject(File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "bpf", "ksym_typed_present.bpfel.o")));
        var result = CompatEngine.Check(obj, kernel, "6.1 arm64").Single();
        Assert.Equal(Verdict.Fails, result.Verdict); // arm64 6.1: no CONFIG_KALLSYMS_ALL, bpf_prog_active not in kallsyms
        Assert.Contains(result.Reasons, r => r.Code == ReasonCodes.KsymNotInKallsyms && r.Message.Contains("kallsyms (stored)", StringComparison.Ordinal));
    }

    [PgCorpusFact]
    public async Task ImageUpload_StoresKallsyms_TypedKsymLoadsOnAmd64()
    {
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Corpus("images", "debian-6.1.0-56-amd64", "vmlinuz"), "vmlinuz"));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var k = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        await using var db = api.NewDb();
        var row = await db.Kernels.Include(x => x.Modules).SingleAsync(x => x.Id == k.Id);
        Assert.NotNull(row.KallsymsSha256);
        var kernel = await new EngineCache(Microsoft.Extensions.Options.Options.Create(new CompatOptions())).KernelAsync(db, row, CancellationToken.None);
        Assert.True(kernel.Kallsyms!.Contains("bpf_prog_active"));
        var obj = CompatEngine.OpenObject(File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "bpf", "ksym_typed_present.bpfel.o")));
        Assert.Equal(Verdict.Loads, CompatEngine.Check(obj, kernel, "6.1").Single().Verdict);
    }
}
