using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Tests.Shared;
using Npgsql;

namespace CompatService.Api.Tests.Storage;

/// <summary>
/// Replicas share the matrix queue through PostgreSQL alone: two real service processes (the built
/// CompatService.Api.dll) on one database, one of them SIGKILLed while it holds a kernel's lease; the other takes the
/// kernel once the lease expires, and the final matrix equals the one a single process computes. Kernels: the fixture
/// kernels plus synthetic copies made by scripts/fleet.sh; objects: every fixture object.
/// </summary>
public sealed class ReplicaTests
{
    private const int Kernels = 16;

    private static Dictionary<string, string> Settings(int workers) => new()
    {
        ["Compat__Workers"] = workers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Compat__JobLeaseSeconds"] = "5",
        ["Compat__KernelCacheMiB"] = "8",     // about one parsed kernel: every batch opens its kernel, so batches last
        ["Compat__MatrixBatchSize"] = "8",    // several leases per kernel
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [PgFact]
    public async Task TwoProcesses_OneKilledMidBatch_FinalMatrixEqualsOneProcess()
    {
        var server = PostgresServer.Instance ?? throw new InvalidOperationException(PostgresServer.WhyUnavailable);
        var cs = await server.CreateDatabaseAsync("replica");
        var env = new Dictionary<string, string>
        {
            ["ConnectionStrings__Compat"] = cs, ["COMPAT_API_DLL"] = ServiceProcess.ApiDll, ["COMPAT_CORPUS"] = "/nonexistent-corpus",
            ["PATH"] = PostgresServer.FindBin() + ":" + Environment.GetEnvironmentVariable("PATH"), ["Logging__LogLevel__Default"] = "Warning",
        };
        await ServiceProcess.RunAsync("dotnet", [ServiceProcess.ApiDll, "migrate"], env);
        await ServiceProcess.RunAsync("bash", [Path.Combine(TestPaths.RepoRoot, "scripts", "fleet.sh"), Kernels.ToString(System.Globalization.CultureInfo.InvariantCulture)], env);
        var objects = Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Order(StringComparer.Ordinal).ToArray();

        List<long> held;
        List<string> replicated;
        await using (var a = await ServiceProcess.StartAsync(cs, Settings(2)))
        await using (var b = await ServiceProcess.StartAsync(cs, Settings(2)))
        {
            await WaitIdleAsync(cs);
            using var http = new HttpClient { BaseAddress = b.Url };
            http.DefaultRequestHeaders.Add(ApiRoutes.ApiKeyHeader, ApiFactory.WriteKey);
            foreach (var o in objects)
                Assert.True((await http.PostAsync(ApiRoutes.Objects, Multipart.File(File.ReadAllBytes(o), Path.GetFileName(o)))).IsSuccessStatusCode);

            held = await KillWhileHoldingLeaseAsync(cs, a);
            Assert.NotEmpty(held);
            await WaitIdleAsync(cs);
            Assert.Equal((long)Kernels * objects.Length, await ScalarAsync(cs, "SELECT count(*) FROM matrix_cells"));
            foreach (var k in held)
                Assert.Equal(objects.Length, await ScalarAsync(cs, $"SELECT count(*) FROM matrix_cells WHERE kernel_id = {k}"));
            replicated = await CellsAsync(cs);
            Assert.DoesNotContain("Exception", b.Output);
        }

        // the same matrix computed again from scratch by one process alone
        await ExecuteAsync(cs, "DELETE FROM matrix_cells; INSERT INTO jobs (kind, payload, state, attempts, created_at) VALUES ('object', '{\"Id\": 1}', 'queued', 0, now())");
        await using (var single = await ServiceProcess.StartAsync(cs, Settings(1)))
            await WaitIdleAsync(cs);
        Assert.Equal(replicated, await CellsAsync(cs));
    }

    /// <summary>
    /// SIGKILLs <paramref name="a"/> the moment it holds a live lease; the kernels it held. When the queue drains before
    /// that happens, every cell is dropped and requested again (at most 10 rounds).
    /// </summary>
    private static async Task<List<long>> KillWhileHoldingLeaseAsync(string cs, ServiceProcess a)
    {
        var mine = $"%:{a.Pid}:%";
        for (var round = 0; round < 10; round++)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline)
            {
                await using var conn = new NpgsqlConnection(cs);
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT kernel_id FROM matrix_work WHERE locked_by LIKE @me AND locked_until > now()", conn);
                cmd.Parameters.AddWithValue("me", mine);
                var held = new List<long>();
                await using (var r = await cmd.ExecuteReaderAsync())
                    while (await r.ReadAsync()) held.Add(r.GetInt64(0));
                if (held.Count > 0)
                {
                    a.Kill();
                    return held;
                }
                if (await IdleAsync(cs)) break;
                await Task.Delay(5);
            }
            await ExecuteAsync(cs, "DELETE FROM matrix_cells; INSERT INTO jobs (kind, payload, state, attempts, created_at) VALUES ('object', '{\"Id\": 1}', 'queued', 0, now())");
        }
        return [];
    }

    private static async Task WaitIdleAsync(string cs)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!await IdleAsync(cs))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the matrix queue did not drain in 3 minutes");
            await Task.Delay(100);
        }
    }

    private static async Task<bool> IdleAsync(string cs) =>
        await ScalarAsync(cs, "SELECT (SELECT count(*) FROM matrix_work) + (SELECT count(*) FROM jobs WHERE state IN ('queued', 'running'))") == 0;

    private static async Task<List<string>> CellsAsync(string cs)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT object_sha256 || ' ' || kernel_sha256 || ' ' || verdict || ' ' || results::text FROM matrix_cells ORDER BY object_sha256, kernel_sha256", conn);
        var rows = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) rows.Add(r.GetString(0));
        return rows;
    }

    private static async Task<long> ScalarAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(string cs, string sql)
    {
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
