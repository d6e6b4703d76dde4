using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// A kernel .config sent beside the BTF (multipart field `config`, plain or gzip'd like /proc/config.gz): what the
/// agent does for its host, so that kconfig externs and the kallsyms rule are judged on the service as on the host.
/// </summary>
public sealed class KernelConfigUploadTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private const string Config = "#\n# Automatically generated file; DO NOT EDIT.\nCONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\n# CONFIG_KALLSYMS_ALL is not set\n";

    private static MultipartFormDataContent WithConfig(byte[] btf, byte[] config, string configName)
    {
        var form = Multipart.File(btf, "vmlinux", ("release", "6.9.0-cfg"));
        var part = new ByteArrayContent(config);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "config", configName);
        return form;
    }

    private static byte[] Gzip(string text)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(Encoding.UTF8.GetBytes(text));
        return ms.ToArray();
    }

    private async Task<ProgramResult> KconfigVerdictAsync(HttpClient c, string kernelSha)
    {
        var obj = (await (await c.PostAsync(ApiRoutes.Objects, Multipart.File(Files.Fixture("kconfig_externs"), "kconfig_externs.o")))
            .Content.ReadFromJsonAsync<ObjectDto>())!;
        var r = (await c.GetFromJsonAsync<AgentVerdictsResponse>($"{ApiRoutes.AgentVerdicts}?kernel={kernelSha}&object={obj.Sha256}", ContractJson.Options))!;
        return Assert.Single(Assert.Single(r.Objects).Programs).Result;
    }

    [PgFact]
    public async Task ConfigBesideTheBtf_Stored_KconfigExternsJudged()
    {
        using var c = api.Writer();
        var btf = TinyBtf.Build(["bpf_cfg_beside"], enums: TinyBtf.SyscallProgType);
        var resp = await c.PostAsync(ApiRoutes.Kernels, WithConfig(btf, Encoding.UTF8.GetBytes(Config), "config-6.9.0-cfg"));
        Assert.Equal(HttpStatusCode.Created, resp.StatusCode);
        var k = (await resp.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.True(k.HasConfig);
        Assert.Equal(Verdict.Loads, (await KconfigVerdictAsync(c, k.Sha256)).Verdict);
    }

    [PgFact]
    public async Task SameKernelAgain_WithGzipConfig_AttachesIt_AndTheCellsAreRecomputed()
    {
        using var c = api.Writer();
        var btf = TinyBtf.Build(["bpf_cfg_later"], enums: TinyBtf.SyscallProgType);
        var first = (await (await c.PostAsync(ApiRoutes.Kernels, Multipart.File(btf, "vmlinux"))).Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.False(first.HasConfig);
        var before = await KconfigVerdictAsync(c, first.Sha256);
        Assert.Equal(Verdict.Unknown, before.Verdict);
        Assert.Contains(before.Reasons, r => r.Code == ReasonCodes.KconfigUnknown);

        var again = await c.PostAsync(ApiRoutes.Kernels, WithConfig(btf, Gzip(Config), "config.gz"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var k = (await again.Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal(first.Id, k.Id);
        Assert.True(k.HasConfig);
        Assert.Equal(Verdict.Loads, (await KconfigVerdictAsync(c, k.Sha256)).Verdict); // not the cached unknown
    }

    [PgTheory]
    [InlineData("hello world\n")]
    [InlineData("")]
    public async Task NotAConfig_Refused422_NothingWritten(string text)
    {
        using var c = api.Writer();
        var before = await api.CountsAsync();
        var resp = await c.PostAsync(ApiRoutes.Kernels, WithConfig(TinyBtf.Build(["bpf_cfg_bad"], enums: TinyBtf.SyscallProgType), Encoding.UTF8.GetBytes(text), "config"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, resp.StatusCode);
        Assert.Contains("is not a kernel .config", await resp.Content.ReadAsStringAsync());
        Assert.Equal(before, await api.CountsAsync());
    }

    [PgFact]
    public async Task BinaryConfig_Refused422_WithTheOffset()
    {
        using var c = api.Writer();
        var resp = await c.PostAsync(ApiRoutes.Kernels, WithConfig(TinyBtf.Build(["bpf_cfg_bin"], enums: TinyBtf.SyscallProgType), [0x43, 0x4f, 0, 1, 2], "config"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, resp.StatusCode);
        Assert.Contains("NUL byte at offset 2", await resp.Content.ReadAsStringAsync());
    }

    private static MultipartFormDataContent ConfigFile(byte[] bytes, string name = "config")
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(bytes);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", name);
        return form;
    }

    private static string ConfigRoute(long id) => ApiRoutes.KernelConfig.Replace("{id}", id.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [PgFact]
    public async Task ConfigEndpoint_Attach_Again_Different_Unknown_AndReadBack()
    {
        using var c = api.Writer();
        var k = (await (await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_cfg_route"], enums: TinyBtf.SyscallProgType), "vmlinux"))).Content.ReadFromJsonAsync<KernelDto>())!;
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync(ConfigRoute(k.Id))).StatusCode);
        Assert.Equal(Verdict.Unknown, (await KconfigVerdictAsync(c, k.Sha256)).Verdict);

        var attached = await c.PostAsync(ConfigRoute(k.Id), ConfigFile(Gzip(Config), "config.gz"));
        Assert.Equal(HttpStatusCode.Created, attached.StatusCode);
        Assert.True((await attached.Content.ReadFromJsonAsync<KernelDto>())!.HasConfig);
        Assert.Equal(Config, await c.GetStringAsync(ConfigRoute(k.Id)));
        Assert.Equal(Verdict.Loads, (await KconfigVerdictAsync(c, k.Sha256)).Verdict);

        Assert.Equal(HttpStatusCode.OK, (await c.PostAsync(ConfigRoute(k.Id), ConfigFile(Encoding.UTF8.GetBytes(Config)))).StatusCode);
        var before = await api.CountsAsync();
        var different = await c.PostAsync(ConfigRoute(k.Id), ConfigFile(Encoding.UTF8.GetBytes("CONFIG_HZ=1000\n")));
        Assert.Equal(HttpStatusCode.Conflict, different.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await c.PostAsync(ConfigRoute(999_999), ConfigFile(Encoding.UTF8.GetBytes(Config)))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await c.PostAsync(ConfigRoute(k.Id), ConfigFile([1, 2, 3]))).StatusCode);
        Assert.Equal(before, await api.CountsAsync());
    }

    [PgFact]
    public async Task ConfigEndpoint_WithoutKey_401()
    {
        using var anonymous = api.CreateClient();
        var resp = await anonymous.PostAsync(ConfigRoute(1), ConfigFile(Encoding.UTF8.GetBytes(Config)));
        Assert.Equal(HttpStatusCode.Unauthorized, resp.StatusCode);
    }
}
