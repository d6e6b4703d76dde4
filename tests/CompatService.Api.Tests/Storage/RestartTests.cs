using System.Net;
using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;

namespace CompatService.Api.Tests.Storage;

[CollectionDefinition("postgres-restart", DisableParallelization = true)]
public sealed class PostgresRestartCollection;

/// <summary>Runs alone (the restart hits the run's only PostgreSQL).</summary>
[Collection("postgres-restart")]
public sealed class RestartTests(ApiFactory api, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<ApiFactory>
{
    [PgFact]
    public async Task UploadsDuringPostgresRestart_AcknowledgedMeansStored()
    {
        const int total = 48;
        var results = new (string Sha, HttpStatusCode? Status)[total];
        var next = -1;
        var restarted = false;
        async Task Worker()
        {
            using var c = api.Writer();
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var btf = TinyBtf.Build([$"bpf_restart_{i}"]);
                HttpStatusCode? status;
                try { status = (await c.PostAsync(ApiRoutes.Kernels, Multipart.File(btf, "v"))).StatusCode; }
                catch (HttpRequestException) { status = null; }
                results[i] = (Files.Sha(btf), status);
            }
        }
        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)).ToList();
        var restart = Task.Run(() =>
        {
            SpinWait.SpinUntil(() => Volatile.Read(ref next) >= 8, TimeSpan.FromSeconds(30));
            PostgresServer.Instance!.Restart();
            restarted = true;
        });
        await Task.WhenAll(workers.Append(restart));
        Assert.True(restarted);

        output.WriteLine(string.Join(", ", results.GroupBy(r => r.Status?.ToString() ?? "connection error").Select(g => $"{g.Key}: {g.Count()}")));
        await using var db = api.NewDb();
        var stored = db.Kernels.Select(k => k.Sha256).ToHashSet();
        foreach (var (sha, status) in results)
        {
            if (status is HttpStatusCode.Created or HttpStatusCode.OK)
                Assert.Contains(sha, stored); // acknowledged ⇒ stored
            else
                Assert.True(status is null or HttpStatusCode.ServiceUnavailable, $"refused with {status}"); // refused: 503 "database unavailable"
        }

        // the service recovers once the database is back (the pool drops the dead connections)
        using var after = api.Writer();
        HttpStatusCode last = 0;
        for (var attempt = 0; attempt < 5 && last != HttpStatusCode.Created; attempt++)
            last = (await after.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build(["bpf_after_restart"]), "v"))).StatusCode;
        Assert.Equal(HttpStatusCode.Created, last);
        Assert.Equal(HttpStatusCode.OK, (await after.GetAsync(ApiRoutes.Health)).StatusCode);
    }
}
