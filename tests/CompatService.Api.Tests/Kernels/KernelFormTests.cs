using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// Every kernel form users have, from tests/fixtures/ingest (synthetic but laid out like the real thing) and the
/// corpus's real images: the same vmlinux BTF whatever the wrapper, release / arch from the input, .BTF_ids kfuncs.
/// </summary>
public sealed class KernelFormTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static byte[] Ingest(string name) => File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "ingest", name));

    public static TheoryData<string, bool> Forms() => new()
    {
        { "vmlinux.btf", false }, { "vmlinux.btf.gz", false }, { "vmlinux.elf", true },
        { "bzImage.gzip", true }, { "bzImage.xz", true }, { "bzImage.zstd", true }, { "bzImage.lz4", true },
        { "bzImage.bzip2", true }, { "bzImage.lzma", true }, { "linux-image-synthetic.deb", true },
        { "linux-image-synthetic-zst.deb", true },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public async Task EveryForm_StoresTheSameVmlinuxBtf(string file, bool fromImage)
    {
        if (PostgresServer.FindBin() is null) return;
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Ingest(file), file));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var k = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        try
        {
            Assert.Equal(Files.Sha(Ingest("vmlinux.btf")), k.Sha256);
            var kfuncs = (await c.GetFromJsonAsync<List<KernelKfuncDto>>($"/api/kernels/{k.Id}/kfuncs"))!;
            if (fromImage)
            {
                Assert.Equal("6.99.0-1-cloud-amd64", k.Release);
                Assert.Equal("amd64", k.Arch);
                Assert.True(k.HasKfuncFlags);
                var beta = kfuncs.Single(x => x.Name == "bpf_beta");
                Assert.Equal(0x22u, beta.Flags);
                Assert.Equal(["KF_RELEASE", "KF_SLEEPABLE"], beta.FlagNames);
                Assert.DoesNotContain(kfuncs, x => x.Name == "not_a_kfunc");
            }
            if (file.EndsWith(".deb", StringComparison.Ordinal))
            {
                Assert.NotEmpty(k.Modules);
                Assert.Equal("debian", k.Distro);
                Assert.Contains(kfuncs, x => x.Name == "bpf_mod_kfunc" && x.Module is not null);
                await using var db = api.NewDb();
                Assert.True(db.KernelConfigs.Any(x => x.KernelId == k.Id));
            }
        }
        finally
        {
            Assert.Equal(HttpStatusCode.NoContent, (await c.DeleteAsync($"/api/kernels/{k.Id}")).StatusCode);
        }
    }

    [PgFact]
    public async Task ModuleBtf_UploadedOnItsOwn_AgainstAnExistingKernel()
    {
        using var c = api.Writer();
        var k = (await (await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Ingest("vmlinux.elf"), "vmlinux"))).Content.ReadFromJsonAsync<KernelDto>())!;
        try
        {
            var m = await c.PostAsync($"/api/kernels/{k.Id}/modules", Multipart.File(Ingest("foo_mod.btf"), "foo_mod.btf"));
            Assert.Equal(HttpStatusCode.Created, m.StatusCode);
            var after = (await m.Content.ReadFromJsonAsync<KernelDto>())!;
            Assert.Equal(["foo_mod"], after.Modules);
            var again = await c.PostAsync($"/api/kernels/{k.Id}/modules", Multipart.File(Ingest("foo_mod.btf"), "foo_mod.btf"));
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            var bad = await c.PostAsync($"/api/kernels/{k.Id}/modules", Multipart.File("nope"u8.ToArray(), "x.btf"));
            Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        }
        finally
        {
            await c.DeleteAsync($"/api/kernels/{k.Id}");
        }
    }

    public static TheoryData<string, string> CorpusImages() => new()
    {
        { "debian-6.1.0-56-amd64/vmlinuz", "debian-6.1.0-56-amd64" },
        { "debian-6.12.117+deb12-amd64/vmlinuz", "debian-6.12.117+deb12-amd64" },
        { "debian-6.1.0-56-arm64/Image.gz", "debian-6.1.0-56-arm64" },
    };

    [CorpusTheory]
    [MemberData(nameof(CorpusImages))]
    public async Task RealDebianImage_SameBtfAsCorpus_KfuncsFromBtfIds(string image, string dir)
    {
        if (PostgresServer.FindBin() is null) return;
        using var c = api.Writer();
        var bytes = await File.ReadAllBytesAsync(Path.Combine(TestPaths.Corpus, "images", image));
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(bytes, Path.GetFileName(image)));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var k = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        var info = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Files.CorpusKernel(dir), "info.json"))).RootElement;
        Assert.Equal(info.GetProperty("btf_sha256").GetString(), k.Sha256);
        Assert.Equal(info.GetProperty("release").GetString(), k.Release);
        Assert.Equal(info.GetProperty("arch").GetString(), k.Arch);
        var expected = File.ReadAllLines(Path.Combine(Files.CorpusKernel(dir), "kfuncs-btf_ids.txt"))
            .Where(l => l.Length > 0).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => Convert.ToUInt32(p[1], 16));
        var kfuncs = (await c.GetFromJsonAsync<List<KernelKfuncDto>>($"/api/kernels/{k.Id}/kfuncs"))!;
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), kfuncs.Select(x => x.Name).Order(StringComparer.Ordinal));
        Assert.All(kfuncs, x => Assert.Equal(expected[x.Name], x.Flags));
    }
}
