using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Ingest;
using CompatService.Api.Jobs;
using CompatService.Api.Matrix;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Data.Entities;
using CompatService.Engine;
using CompatService.Tests.Shared;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CompatService.Api.Tests.Hostile;

/// <summary>The service with small analysis budgets (Compat:Budget): 20 000 steps per upload, 30 000 per matrix cell.</summary>
public sealed class SmallBudgetFactory : ApiFactory
{
    public const long RequestWork = 20_000, JobWork = 30_000;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Compat:Budget:RequestWork", RequestWork.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Compat:Budget:JobWork", JobWork.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>
/// Issue 11 §3 against the real PostgreSQL: an upload over the request budget is refused with 422 "too complex to analyse:
/// &lt;what&gt;" and writes no row; the matrix worker moves past poisoned objects (one over the job budget, one whose stored
/// blob the engine cannot read) with unknown cells naming why, and still computes the others. Budgets are step counts, so
/// none of this depends on the machine's speed.
/// </summary>
public sealed class AnalysisBudgetApiTests(SmallBudgetFactory api) : IClassFixture<SmallBudgetFactory>
{
    [PgFact]
    public async Task ObjectOverTheRequestBudget_422_TooComplex_NothingStored()
    {
        using var c = api.Writer();
        var k = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_budget_ci"]), "vmlinux", ("release", "6.1.0-ci")));
        Assert.True(k.IsSuccessStatusCode, await k.Content.ReadAsStringAsync()); // the CI door needs a kernel to check on
        var before = await api.CountsAsync();
        var r = await c.PostAsync(ApiRoutes.Objects, Multipart.File(HostileObjects.BigProgram(20_000), "big.o"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        var problem = (await r.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Equal("too complex to analyse", problem.Title);
        Assert.StartsWith("too complex to analyse: object: ", problem.Detail);
        Assert.Contains($"work budget of {SmallBudgetFactory.RequestWork} steps", problem.Detail);
        Assert.Equal(before, await api.CountsAsync());

        // the CI door reads uploads under the same budget
        r = await c.PostAsync(ApiRoutes.CiCheck, Multipart.File(HostileObjects.BigProgram(20_000), "big.o"));
        Assert.True(r.StatusCode == HttpStatusCode.UnprocessableEntity, await r.Content.ReadAsStringAsync());
        Assert.Equal("too complex to analyse", (await r.Content.ReadFromJsonAsync<ProblemDetails>())!.Title);
        Assert.Equal(before, await api.CountsAsync());

        // a real object within the budget is stored as usual
        Assert.Equal(HttpStatusCode.Created, (await c.PostAsync(ApiRoutes.Objects, Multipart.File(Files.Fixture("xdp_pass"), "xdp.o"))).StatusCode);
    }

    [PgFact]
    public async Task KernelOverTheRequestBudget_422_TooComplex_NothingStored()
    {
        var gz = await File.ReadAllBytesAsync(Path.Combine(TestPaths.Fixtures, "kernels", "debian-6.1.0-47-amd64", "vmlinux.btf.gz"));
        var before = await api.CountsAsync();
        using var c = api.Writer();
        var r = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(gz, "vmlinux.btf.gz", ("release", "6.1.0-47-amd64")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.StatusCode);
        var problem = (await r.Content.ReadFromJsonAsync<ProblemDetails>())!;
        Assert.Equal("too complex to analyse", problem.Title);
        Assert.Matches(@"^too complex to analyse: BTF \.BTF: \d+ types: more than the work budget of 20000 steps$", problem.Detail);
        Assert.Equal(before, await api.CountsAsync());
    }

    [PgFact]
    public async Task Worker_MovesPastPoisonedObjects_AndComputesTheOthers()
    {
        using var c = api.Writer();
        var kernel = await c.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_budget_test"], enums: TinyBtf.SyscallProgType), "vmlinux", ("release", "6.1.0-budget")));
        Assert.Equal(HttpStatusCode.Created, kernel.StatusCode);
        // within the upload budget (~4 000 steps to read) but not the cell budget (its walk keeps many states per instruction)
        var heavy = HostileObjects.BranchyProgram(2_000);
        Assert.Equal(HttpStatusCode.Created, (await c.PostAsync(ApiRoutes.Objects, Multipart.File(heavy, "branchy.o"))).StatusCode);
        var good = Files.Fixture("kfunc_weak_missing_guarded");
        var goodStatus = (await c.PostAsync(ApiRoutes.Objects, Multipart.File(good, "good.o"))).StatusCode;
        Assert.True(goodStatus is HttpStatusCode.Created or HttpStatusCode.OK);
        var unreadableSha = await StoreUnreadableObjectAsync();

        var worker = ActivatorUtilities.CreateInstance<MatrixWorker>(api.Services);
        var runs = 0;
        while (await worker.RunOneAsync(TimeSpan.FromMinutes(1), 5, default))
            Assert.True(++runs < 50, "the worker keeps finding work: it is stuck on a job");

        await using var db = api.NewDb();
        Assert.Empty(await db.MatrixWork.ToListAsync()); // every kernel's batch finished, none left failing
        var k = await db.Kernels.AsNoTracking().SingleAsync(x => x.Release == "6.1.0-budget");
        var cells = await db.MatrixCells.AsNoTracking().Where(x => x.KernelId == k.Id).ToDictionaryAsync(x => x.ObjectSha256);

        var heavyCell = cells[Files.Sha(heavy)];
        Assert.Equal("unknown", heavyCell.Verdict);
        var reason = Assert.Single(Assert.Single(CellComputer.Results(heavyCell)).Result.Reasons);
        Assert.Equal(ReasonCodes.AnalysisBudgetExceeded, reason.Code);
        Assert.Equal($"too complex to analyse: program 'branchy': reachability walk: more than the work budget of {SmallBudgetFactory.JobWork} steps", reason.Message);

        var unreadable = cells[unreadableSha];
        Assert.Equal("unknown", unreadable.Verdict);
        Assert.Contains(ReasonCodes.AnalysisFailed, unreadable.ReasonCodesJson);
        Assert.Equal(ReasonCodes.AnalysisFailed, Assert.Single(Assert.Single(CellComputer.Results(unreadable)).Result.Reasons).Code);

        // the good object's cell is the engine's own verdict
        var goodCell = cells[Files.Sha(good)];
        var expected = CompatEngine.Check(CompatEngine.OpenObject(good), CompatEngine.OpenKernel(TinyBtf.Build(["bpf_budget_test"], enums: TinyBtf.SyscallProgType), release: "6.1.0-budget"), k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected.Select(x => x.Verdict), CellComputer.Results(goodCell).Select(x => x.Result.Verdict));
        Assert.DoesNotContain(ReasonCodes.AnalysisBudgetExceeded, goodCell.ReasonCodesJson);
    }

    /// <summary>
    /// An object row whose stored blob is not an ELF (as if written by an older engine, or damaged): stored directly,
    /// with the programs of a real object, the way no upload could.
    /// </summary>
    private async Task<string> StoreUnreadableObjectAsync()
    {
        var summary = CompatEngine.Inspect(CompatEngine.OpenObject(Files.Fixture("xdp_pass")));
        var garbage = System.Text.Encoding.ASCII.GetBytes("this blob is not an ELF object any more");
        var sha = Files.Sha(garbage);
        await using var db = api.NewDb();
        await BlobWriter.ObjectBlobAsync(db, sha, garbage, default);
        db.Objects.Add(ObjectStore.ToEntity(sha, "unreadable.o", null, garbage.Length, summary));
        await db.SaveChangesAsync();
        JobQueue.Enqueue(db, JobKinds.Object, (await db.Objects.SingleAsync(o => o.Sha256 == sha)).Id);
        await db.SaveChangesAsync();
        return sha;
    }
}
