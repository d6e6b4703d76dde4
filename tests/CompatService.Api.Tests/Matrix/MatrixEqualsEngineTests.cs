using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using CompatService.Api.Jobs;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Reporting;
using CompatService.Kernels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CompatService.Api.Tests.Matrix;

/// <summary>The API's matrix is the engine's matrix: same JSON as `compat check --format json` on the same files.</summary>
public sealed class MatrixEqualsEngineTests(CorpusApiFactory api) : IClassFixture<CorpusApiFactory>
{
    private MatrixReport EngineReport() => MatrixBuilder.Build(
        api.Objects.Select(o => new MatrixObjectInput(o.Object.Name, o.Object.Sha256, CompatEngine.OpenObject(File.ReadAllBytes(o.File)))).ToList(),
        api.Kernels.Select(k => new MatrixKernelInput(k.Kernel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            KernelInput.Load(Files.CorpusKernel(k.Dir)).Btf)).ToList());

    [PgCorpusFact]
    public async Task MatrixJson_EqualsEngineMatrix_OnTheSameFiles()
    {
        await api.EnsureSeededAsync();
        using var c = api.CreateClient();
        var json = await c.GetStringAsync($"{ApiRoutes.Matrix}?format=json");
        var fromApi = JsonSerializer.Deserialize<MatrixReport>(json, ContractJson.Options)!;
        var expected = EngineReport();
        Assert.Equal(JsonSerializer.Serialize(expected, ContractJson.Options), JsonSerializer.Serialize(fromApi, ContractJson.Options));
        Assert.Contains(fromApi.Objects.SelectMany(o => o.Programs).SelectMany(p => p.Results), r => r.Verdict == Verdict.Fails);
        Assert.Contains(fromApi.Objects.SelectMany(o => o.Programs).SelectMany(p => p.Results), r => r.Verdict == Verdict.Loads);
    }

    [PgCorpusFact]
    public async Task MatrixCsvAndMarkdown_EqualEngineFormatter()
    {
        await api.EnsureSeededAsync();
        using var c = api.CreateClient();
        var expected = EngineReport();
        Assert.Equal(MatrixFormatter.Csv(expected), await c.GetStringAsync($"{ApiRoutes.Matrix}?format=csv"));
        Assert.Equal(MatrixFormatter.Markdown(expected), await c.GetStringAsync($"{ApiRoutes.Matrix}?format=markdown"));
    }

    [PgCorpusFact]
    public async Task MatrixPages_AreTheFullMatrixSliced_WithTotalsInHeaders()
    {
        await api.EnsureSeededAsync();
        using var c = api.CreateClient();
        var full = (await c.GetFromJsonAsync<MatrixReport>($"{ApiRoutes.Matrix}?format=json", ContractJson.Options))!;
        Assert.True(full.Kernels.Count >= 3 && full.Objects.Count >= 2, "needs 3 kernels and 2 objects");

        var r = await c.GetAsync($"{ApiRoutes.Matrix}?format=json&kernelOffset=1&kernelLimit=2&objectLimit=1");
        r.EnsureSuccessStatusCode();
        Assert.Equal(full.Kernels.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(r.Headers.GetValues("X-Total-Kernels")));
        Assert.Equal(full.Objects.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(r.Headers.GetValues("X-Total-Objects")));
        var page = JsonSerializer.Deserialize<MatrixReport>(await r.Content.ReadAsStringAsync(), ContractJson.Options)!;
        Assert.Equal(full.Kernels.Skip(1).Take(2).Select(k => k.Id), page.Kernels.Select(k => k.Id));
        var row = Assert.Single(page.Objects);
        Assert.Equal(full.Objects[0].Sha256, row.Sha256);
        var ids = page.Kernels.Select(k => k.Id).ToHashSet();
        // every cell of the page is the full matrix's cell for that program and kernel
        var expected = full.Objects[0].Programs.Select(p => p with { Results = p.Results.Where(x => ids.Contains(x.Kernel)).ToList() });
        Assert.Equal(JsonSerializer.Serialize(expected, ContractJson.Options), JsonSerializer.Serialize(row.Programs, ContractJson.Options));

        // the same page again comes from the response cache with its headers
        var again = await c.GetAsync($"{ApiRoutes.Matrix}?format=json&kernelOffset=1&kernelLimit=2&objectLimit=1");
        Assert.Equal(full.Kernels.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), Assert.Single(again.Headers.GetValues("X-Total-Kernels")));
        var past = (await c.GetFromJsonAsync<MatrixReport>($"{ApiRoutes.Matrix}?kernelOffset={full.Kernels.Count}", ContractJson.Options))!;
        Assert.Empty(past.Kernels);
        foreach (var bad in new[] { "kernelLimit=0", "kernelOffset=-1", "objectLimit=100001", "kernelLimit=x" })
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await c.GetAsync($"{ApiRoutes.Matrix}?{bad}")).StatusCode);
    }

    [PgCorpusFact]
    public async Task MatrixFilters_ByArchReleaseRangeAndLabels()
    {
        await api.EnsureSeededAsync();
        using var c = api.CreateClient();
        var m = (await c.GetFromJsonAsync<MatrixReport>($"{ApiRoutes.Matrix}?minRelease=6.12&maxRelease=6.12", ContractJson.Options))!;
        Assert.Equal(["6.12.117+deb13-amd64"], m.Kernels.Select(k => k.Release));
        var none = (await c.GetFromJsonAsync<MatrixReport>($"{ApiRoutes.Matrix}?arch=arm64", ContractJson.Options))!;
        Assert.Empty(none.Kernels);
        var labelled = (await c.GetFromJsonAsync<MatrixReport>($"{ApiRoutes.Matrix}?objectLabel=suite=fixtures&kernelLabel=source=corpus", ContractJson.Options))!;
        Assert.Equal(api.Objects.Count, labelled.Objects.Count);
        Assert.Equal(CorpusApiFactory.KernelDirs.Length, labelled.Kernels.Count);
        var bad = await c.GetAsync($"{ApiRoutes.Matrix}?format=xml");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [PgCorpusFact]
    public async Task KernelsFromImages_CarryKfuncFlagsFromBtfIds()
    {
        await api.EnsureSeededAsync();
        using var c = api.CreateClient();
        var k61 = api.Kernels.Single(k => k.Dir == "debian-6.1.0-56-amd64").Kernel;
        Assert.True(k61.HasKfuncFlags);
        Assert.False(k61.HasKfuncTags);
        var expected = File.ReadAllLines(Path.Combine(Files.CorpusKernel("debian-6.1.0-56-amd64"), "kfuncs-btf_ids.txt"))
            .Select(l => l.Split(' ')[0]).Distinct().Order(StringComparer.Ordinal).ToList();
        var kfuncs = (await c.GetFromJsonAsync<List<KernelKfuncDto>>($"/api/kernels/{k61.Id}/kfuncs"))!;
        Assert.Equal(expected, kfuncs.Select(k => k.Name).Order(StringComparer.Ordinal).ToList());
        Assert.Contains("KF_RELEASE", kfuncs.Single(k => k.Name == "bpf_key_put").FlagNames);
        // module kfuncs are not in vmlinux's .BTF_ids: unknown for an untagged kernel, so not indexed
        Assert.DoesNotContain(kfuncs, k => k.Module is not null);

        // a tagged kernel: exactly the tagged FUNCs, module ones included, flags from .BTF_ids beside them
        var k612 = api.Kernels.Single(k => k.Dir == "debian-6.12.117+deb13-amd64").Kernel;
        Assert.True(k612.HasKfuncTags);
        var tagged = (await c.GetFromJsonAsync<List<KernelKfuncDto>>($"/api/kernels/{k612.Id}/kfuncs"))!;
        Assert.All(tagged, k => Assert.True(k.Tagged));
        Assert.Equal("nf_conntrack", tagged.Single(k => k.Name == "bpf_xdp_ct_lookup").Module);
        var vmlinuxTagged = File.ReadAllLines(Path.Combine(Files.CorpusKernel("debian-6.12.117+deb13-amd64"), "kfuncs.txt"))
            .Where(l => l.Length > 0).Select(l => l.Split(' ')[0]).ToHashSet();
        Assert.Equal(vmlinuxTagged.Order(StringComparer.Ordinal), tagged.Where(k => k.Module is null).Select(k => k.Name).Order(StringComparer.Ordinal));
    }

    [PgCorpusFact]
    public async Task CiCheck_UploadedObject_OkFalseWhenAProgramFails_JUnitAndMarkdown()
    {
        await api.EnsureSeededAsync();
        using var c = api.CreateClient();
        var failing = Files.Fixture("kfunc_strong_missing");
        var r = await c.PostAsync(ApiRoutes.CiCheck, Multipart.File(failing, "strong_missing.o"));
        r.EnsureSuccessStatusCode();
        var body = (await r.Content.ReadFromJsonAsync<CiCheckResponse>(ContractJson.Options))!;
        Assert.False(body.Ok);
        Assert.Equal(CorpusApiFactory.KernelDirs.Length, body.Matrix.Kernels.Count);

        var passing = await c.PostAsync(ApiRoutes.CiCheck, Multipart.File(Files.Fixture("xdp_pass"), "xdp_pass.o"));
        Assert.True((await passing.Content.ReadFromJsonAsync<CiCheckResponse>(ContractJson.Options))!.Ok);

        var junit = XDocument.Parse(await (await c.PostAsync($"{ApiRoutes.CiCheck}?format=junit", Multipart.File(failing, "s.o"))).Content.ReadAsStringAsync());
        Assert.True((int)junit.Root!.Attribute("failures")! > 0);
        var md = await (await c.PostAsync($"{ApiRoutes.CiCheck}?format=markdown", Multipart.File(failing, "s.o"))).Content.ReadAsStringAsync();
        Assert.StartsWith("**compat check: FAILED**", md);

        // by sha256 of a stored object, only 6.12
        var stored = api.Objects.Single(o => o.File.EndsWith("iter_num_strong.bpfel.o", StringComparison.Ordinal)).Object;
        var bySha = await c.PostAsync(ApiRoutes.CiCheck, new MultipartFormDataContent
        {
            { new StringContent(stored.Sha256), "sha256" }, { new StringContent("6.12"), "minRelease" }, { new StringContent("6.12"), "maxRelease" },
        });
        var shaBody = (await bySha.Content.ReadFromJsonAsync<CiCheckResponse>(ContractJson.Options))!;
        Assert.Single(shaBody.Matrix.Kernels);
        Assert.True(shaBody.Ok);
    }

    [PgCorpusFact]
    public async Task AgentVerdicts_KnownAndUnknownObjects_ThenReports()
    {
        await api.EnsureSeededAsync();
        using var c = api.Writer();
        var kernel = api.Kernels.Single(k => k.Dir == "debian-6.1.0-56-amd64").Kernel;
        var obj = api.Objects.Single(o => o.File.EndsWith("iter_num_strong.bpfel.o", StringComparison.Ordinal)).Object;
        var unknownSha = new string('c', 64);
        var v = (await c.GetFromJsonAsync<AgentVerdictsResponse>(
            $"{ApiRoutes.AgentVerdicts}?kernel={kernel.Sha256}&object={obj.Sha256}&object={unknownSha}", ContractJson.Options))!;
        Assert.Equal(kernel.Id, v.Kernel.Id);
        var known = v.Objects.Single(o => o.Sha256 == obj.Sha256);
        Assert.True(known.Known);
        var engine = CompatEngine.Check(CompatEngine.OpenObject(Files.Fixture("iter_num_strong")),
            KernelInput.Load(Files.CorpusKernel("debian-6.1.0-56-amd64")).Btf, kernel.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .ToContract();
        Assert.Equal(JsonSerializer.Serialize(engine, ContractJson.Options),
            JsonSerializer.Serialize(known.Programs.Select(p => p.Result), ContractJson.Options));
        Assert.False(v.Objects.Single(o => o.Sha256 == unknownSha).Known);

        var program = known.Programs[0];
        var report = new AgentReport("host-1", kernel.Sha256, kernel.Release,
            [new ObservedOutcome(obj.Sha256, obj.Name, program.Name, program.Result.Verdict, Loaded: program.Result.Verdict != Verdict.Loads,
                Errno: 22, VerifierTail: "tail", ObservedAt: DateTimeOffset.UtcNow)]);
        var posted = await c.PostAsJsonAsync(ApiRoutes.AgentReports, report, ContractJson.Options);
        Assert.Equal(System.Net.HttpStatusCode.Created, posted.StatusCode);
        var list = (await c.GetFromJsonAsync<List<ObservedOutcomeDto>>($"{ApiRoutes.AgentReports}?host=host-1", ContractJson.Options))!;
        var row = Assert.Single(list);
        Assert.Equal(program.Result.Verdict, row.ServicePrediction);
        Assert.True(row.Disagrees);
        Assert.Equal(kernel.Id, row.KernelId);
    }

    [PgCorpusFact]
    public async Task Worker_TakesJobsWithSkipLocked_AndComputesEveryCell()
    {
        await api.EnsureSeededAsync();
        await using (var db = api.NewDb())
        {
            await db.MatrixCells.ExecuteDeleteAsync();
            await db.Jobs.ExecuteUpdateAsync(s => s.SetProperty(j => j.State, "queued").SetProperty(j => j.Attempts, 0));
        }
        // SKIP LOCKED: a job locked by an open transaction is skipped by the next taker
        await using (var a = api.NewDb())
        await using (var b = api.NewDb())
        {
            await using var tx = await a.Database.BeginTransactionAsync();
            var first = await JobQueue.TakeAsync(a, TimeSpan.FromMinutes(1), 5, default);
            var second = await JobQueue.TakeAsync(b, TimeSpan.FromMinutes(1), 5, default);
            Assert.NotNull(first);
            Assert.NotNull(second);
            Assert.NotEqual(first.Id, second.Id);
            await tx.RollbackAsync();
            await b.Jobs.ExecuteUpdateAsync(s => s.SetProperty(j => j.State, "queued").SetProperty(j => j.Attempts, 0));
        }
        // two workers drain the queue side by side (as two replicas would)
        var runs = 0;
        async Task Drain()
        {
            var worker = ActivatorUtilities.CreateInstance<MatrixWorker>(api.Services);
            while (await worker.RunOneAsync(TimeSpan.FromMinutes(1), 5, default)) Interlocked.Increment(ref runs);
        }
        await Task.WhenAll(Task.Run(Drain), Task.Run(Drain));
        Assert.True(runs > 0);
        await using var check = api.NewDb();
        Assert.Equal(api.Objects.Count * api.Kernels.Count, await check.MatrixCells.CountAsync());
        Assert.All(await check.Jobs.ToListAsync(), j => Assert.Equal("done", j.State));
    }
}
