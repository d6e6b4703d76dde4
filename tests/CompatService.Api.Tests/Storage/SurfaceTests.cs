using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace CompatService.Api.Tests.Storage;

public sealed class SurfaceTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    [PgFact]
    public async Task Health_200WhenTheDatabaseAnswers()
    {
        using var c = api.CreateClient();
        var r = await c.GetAsync(ApiRoutes.Health);
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Contains("healthy", await r.Content.ReadAsStringAsync());
    }

    [PgFact]
    public async Task Swagger_DescribesEveryContractRoute()
    {
        using var c = api.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/swagger/index.html")).StatusCode);
        var doc = await c.GetStringAsync("/swagger/v1/swagger.json");
        foreach (var route in new[] { ApiRoutes.Kernels, ApiRoutes.Kernel, ApiRoutes.KernelKfuncs, ApiRoutes.KernelModules, ApiRoutes.KernelDiff,
                     ApiRoutes.Objects, ApiRoutes.Object, ApiRoutes.ObjectDisassembly, ApiRoutes.ObjectRequirements, ApiRoutes.Matrix, ApiRoutes.Kfunc, ApiRoutes.CiCheck,
                     ApiRoutes.AgentVerdicts, ApiRoutes.AgentReports, ApiRoutes.Health })
            Assert.Contains($"\"{route}\"", doc);
    }

    [PgFact]
    public async Task Disassembly_OfAStoredProgram_UnknownProgram404()
    {
        using var c = api.Writer();
        var o = (await (await c.PostAsync(ApiRoutes.Objects, Multipart.File(Files.Fixture("socket_filter_map"), "s.o"))).Content.ReadFromJsonAsync<ObjectDto>())!;
        var program = o.Programs[0].Name;
        var d = (await c.GetFromJsonAsync<DisassemblyDto>($"/api/objects/{o.Id}/programs/{program}/disassembly"))!;
        Assert.NotEmpty(d.Lines);
        Assert.Contains(d.Lines, l => l.Text.Contains("exit", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await c.GetAsync($"/api/objects/{o.Id}/programs/nope/disassembly")).StatusCode);
    }

    [PgFact]
    public async Task RequireKeyForReads_GetsWithoutKey401_HealthStaysOpen()
    {
        using var strict = api.WithWebHostBuilder(b => b.UseSetting("Compat:RequireKeyForReads", "true"));
        using var anonymous = strict.CreateClient();
        var r = await anonymous.GetAsync(ApiRoutes.Kernels);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("API key required", (await r.Content.ReadFromJsonAsync<ProblemDetails>())!.Title);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(ApiRoutes.Health)).StatusCode);
        using var keyed = strict.CreateClient();
        keyed.DefaultRequestHeaders.Add(ApiRoutes.ApiKeyHeader, ApiFactory.WriteKey);
        Assert.Equal(HttpStatusCode.OK, (await keyed.GetAsync(ApiRoutes.Kernels)).StatusCode);
    }

    [PgFact]
    public async Task BadAgentReport_400_NothingStored()
    {
        var before = await api.CountsAsync();
        using var c = api.Writer();
        var r = await c.PostAsJsonAsync(ApiRoutes.AgentReports, new AgentReport("h", "not-a-sha", null, []), ContractJson.Options);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal(before, await api.CountsAsync());
    }

    [PgFact]
    public void InvalidOptions_StopTheHostAtStart()
    {
        using var bad = api.WithWebHostBuilder(b => b.UseSetting("Compat:ApiKeys:1", "short"));
        var e = Assert.ThrowsAny<Exception>(() => bad.CreateClient());
        Assert.True(e.ToString().Contains("ApiKeys", StringComparison.Ordinal), e.ToString());
    }

    [PgFact]
    public async Task MatrixResponseCache_IsInvalidatedByAnyWrite()
    {
        using var c = api.Writer();
        var before = (await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix, ContractJson.Options))!;
        var again = (await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix, ContractJson.Options))!;
        Assert.Equal(before.Objects.Count, again.Objects.Count);
        var o = (await (await c.PostAsync(ApiRoutes.Objects, Multipart.File(Files.Fixture("iter_num_weak"), "w.o"))).Content.ReadFromJsonAsync<ObjectDto>())!;
        var k = (await (await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_cache_gen"]), "v"))).Content.ReadFromJsonAsync<KernelDto>())!;
        var after = (await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix, ContractJson.Options))!;
        Assert.Contains(after.Objects, x => x.Sha256 == o.Sha256);
        Assert.Contains(after.Kernels, x => x.Id == k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await c.DeleteAsync($"/api/objects/{o.Id}");
        var deleted = (await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix, ContractJson.Options))!;
        Assert.DoesNotContain(deleted.Objects, x => x.Sha256 == o.Sha256);
    }
}
