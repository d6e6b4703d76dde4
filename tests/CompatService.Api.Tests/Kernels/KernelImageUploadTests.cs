using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Kernels;

/// <summary>Images and packages go through CompatService.Kernels (KernelIngest): release, arch, modules and KF flags come along.</summary>
public sealed class KernelImageUploadTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static byte[] Synthetic(string name) => File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "ingest", name));

    [PgFact]
    public async Task DebianPackage_Upload_TakesReleaseArchFlavourModulesAndKfuncFlags()
    {
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Synthetic("linux-image-synthetic.deb"), "linux-image-synthetic.deb"));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var k = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal("6.99.0-1-cloud-amd64", k.Release);
        Assert.Equal("amd64", k.Arch);
        Assert.Equal("cloud-amd64", k.Flavour);
        Assert.True(k.HasKfuncFlags);
        Assert.False(k.HasKfuncTags);
        Assert.Equal(["bar_mod", "baz_mod", "foo_mod"], k.Modules.Order(StringComparer.Ordinal));
    }

    [PgFact]
    public async Task BzImage_Upload_IsAKernel()
    {
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Synthetic("bzImage.zstd"), "vmlinuz"));
        // Same vmlinux BTF as the package's image: Created, or OK when the package test stored it first.
        Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.OK });
        var k = (await r.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal("6.99.0-1-cloud-amd64", k.Release);
        Assert.True(k.HasKfuncFlags);
    }

    [PgFact]
    public async Task NotAKernel_Is422()
    {
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File("MZ not a kernel at all, just text"u8.ToArray(), "x.exe"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
    }
}
