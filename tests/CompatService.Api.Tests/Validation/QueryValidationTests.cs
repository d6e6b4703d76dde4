using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;

namespace CompatService.Api.Tests.Validation;

/// <summary>Every query parameter with a grammar is checked at the door: 400 ProblemDetails naming the parameter and what it accepts.</summary>
public sealed class QueryValidationTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task<JsonElement> BadRequestAsync(string url, string parameter, string accepts)
    {
        using var c = api.Writer();
        var r = await c.GetAsync(url);
        var body = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)r.StatusCode} {body}");
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var p = JsonDocument.Parse(body).RootElement.Clone();
        Assert.Equal(400, p.GetProperty("status").GetInt32());
        Assert.Equal(parameter, p.GetProperty("parameter").GetString());
        var detail = p.GetProperty("detail").GetString()!;
        Assert.Contains(parameter, detail);
        Assert.Contains(accepts, detail);
        Assert.DoesNotContain("Failed to bind", detail);
        return p;
    }

    [PgTheory]
    [InlineData("/api/kernels?minRelease=banana", "minRelease", "6.12")]
    [InlineData("/api/kernels?maxRelease=x.y", "maxRelease", "6.12")]
    [InlineData("/api/kernels?release=banana", "release", "6.12")]
    [InlineData("/api/kernels?arch=x%2Fy", "arch", "amd64")]
    [InlineData("/api/matrix?minRelease=banana", "minRelease", "6.12")]
    [InlineData("/api/matrix?format=xml", "format", "json, csv, markdown")]
    [InlineData("/api/matrix?object=nothex", "object", "64 hex digits")]
    [InlineData("/api/matrix?kernel=abc", "kernel", "whole number")]
    [InlineData("/api/objects/abc", "id", "whole number")]
    [InlineData("/api/kernels/abc", "id", "whole number")]
    [InlineData("/api/kernels/1/kfuncs?kind=banana", "kind", "func, var, all")]
    [InlineData("/api/objects?sha256=zz", "sha256", "64 hex digits")]
    [InlineData("/api/agent/reports?disagrees=maybe", "disagrees", "true or false")]
    [InlineData("/api/agent/reports?limit=0", "limit", "1..5000")]
    public async Task BadValue_400_NamesTheParameter(string url, string parameter, string accepts) =>
        await BadRequestAsync(url, parameter, accepts);

    [PgFact]
    public async Task MinReleaseBanana_WasOkTrue_IsNow400()
    {
        using var c = api.Writer();
        var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(Files.Fixture("xdp_pass")), "file", "xdp_pass.bpfel.o" },
            { new StringContent("banana"), "minRelease" },
        };
        var r = await c.PostAsync(ApiRoutes.CiCheck, form);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("minRelease", await r.Content.ReadAsStringAsync());
    }

    [PgFact]
    public async Task ReleasePrefix_MeansEveryPointRelease_AndAFullReleaseMatchesExactly()
    {
        using var c = api.Writer();
        foreach (var (rel, fn) in new[] { ("6.12.1", "q_a"), ("6.12.9-3-amd64", "q_b"), ("6.13.0", "q_c"), ("6.1.2", "q_d") })
        {
            var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build([fn]), "vmlinux", ("release", rel), ("labels", "q=prefix")));
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        }
        var got = (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?label=q=prefix&release=6.12"))!;
        Assert.Equal(new[] { "6.12.1", "6.12.9-3-amd64" }, got.Select(k => k.Release).Order().ToArray());
        var exact = (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?label=q=prefix&release=6.12.9-3-amd64"))!;
        Assert.Equal("6.12.9-3-amd64", Assert.Single(exact).Release);
        var one = (await c.GetFromJsonAsync<List<KernelDto>>($"{ApiRoutes.Kernels}?label=q=prefix&release=6.1"))!;
        Assert.Equal("6.1.2", Assert.Single(one).Release);
    }
}
