// Kernel blob fetch micro benchmark (issue 13 profile: kernel_fetch_ms). Run against a filled fleet database:
//   dotnet run scripts/bench/blob-fetch.cs -- "<connection string>" [kernels=100]
// Times, per kernel (vmlinux blob + its module blobs), each way of reading the bytes out of kernel_blobs:
//   buffered    GetFieldValue<byte[]> with the default CommandBehavior (what EF does: the row is buffered, then copied)
//   sequential  CommandBehavior.SequentialAccess + GetStream, read into an array of the stored size (one copy)
//   server      SELECT length(data || '\x00'): PostgreSQL's detoast (lz4 decompression) and one copy, nothing sent
// The ways take turns per kernel (the machine's load hits them alike).
// and prints the median and p90 in ms, so the fetch phase of the matrix profile can be split into its parts.
#:package Npgsql
using System.Data;
using System.Diagnostics;
using Npgsql;

var cs = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("ConnectionStrings__Compat") ?? throw new ArgumentException("connection string");
var n = args.Length > 1 ? int.Parse(args[1]) : 100;
await using var ds = NpgsqlDataSource.Create(cs);
await using var conn = await ds.OpenConnectionAsync();
var kernels = new List<(long Id, string Sha)>();
await using (var cmd = new NpgsqlCommand("SELECT id, sha256 FROM kernels ORDER BY id DESC LIMIT @n", conn))
{
    cmd.Parameters.AddWithValue("n", n);
    await using var r = await cmd.ExecuteReaderAsync();
    while (await r.ReadAsync()) kernels.Add((r.GetInt64(0), r.GetString(1)));
}
const string Blobs = """
    SELECT data FROM kernel_blobs WHERE sha256 = @s
    UNION ALL
    SELECT b.data FROM kernel_modules m JOIN kernel_blobs b ON b.sha256 = m.blob_sha256 WHERE m.kernel_id = @k
    """;
const string SizeOnly = """
    SELECT length(data || '\x00'::bytea) FROM kernel_blobs WHERE sha256 = @s
    UNION ALL
    SELECT length(b.data || '\x00'::bytea) FROM kernel_modules m JOIN kernel_blobs b ON b.sha256 = m.blob_sha256 WHERE m.kernel_id = @k
    """;

async Task<long> Buffered(long id, string sha)
{
    await using var cmd = new NpgsqlCommand(Blobs, conn);
    cmd.Parameters.AddWithValue("s", sha); cmd.Parameters.AddWithValue("k", id);
    await using var r = await cmd.ExecuteReaderAsync();
    long total = 0;
    while (await r.ReadAsync()) total += r.GetFieldValue<byte[]>(0).Length;
    return total;
}

async Task<long> Sequential(long id, string sha)
{
    await using var cmd = new NpgsqlCommand(Blobs, conn);
    cmd.Parameters.AddWithValue("s", sha); cmd.Parameters.AddWithValue("k", id);
    await using var r = await cmd.ExecuteReaderAsync(CommandBehavior.SequentialAccess);
    long total = 0;
    while (await r.ReadAsync())
    {
        await using var s = await r.GetStreamAsync(0);
        var buf = new byte[s.Length];
        await s.ReadExactlyAsync(buf);
        total += buf.Length;
    }
    return total;
}

async Task<long> Server(long id, string sha)
{
    await using var cmd = new NpgsqlCommand(SizeOnly, conn);
    cmd.Parameters.AddWithValue("s", sha); cmd.Parameters.AddWithValue("k", id);
    await using var r = await cmd.ExecuteReaderAsync();
    long total = 0;
    while (await r.ReadAsync()) total += r.GetInt32(0);
    return total;
}

var ways = new (string Name, Func<long, string, Task<long>> F)[] { ("server", Server), ("buffered", Buffered), ("sequential", Sequential) };
var times = ways.Select(_ => new List<double>()).ToArray();
long bytes = 0;
for (var i = 0; i < kernels.Count; i++)
{
    var (id, sha) = kernels[i];
    for (var j = 0; j < ways.Length; j++)
    {
        var w = (i + j) % ways.Length;
        var t = Stopwatch.GetTimestamp();
        var got = await ways[w].F(id, sha);
        times[w].Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        if (w == 0) bytes += got;
    }
}
for (var w = 0; w < ways.Length; w++)
{
    var ms = times[w];
    ms.Sort();
    Console.WriteLine($"{ways[w].Name,-10} kernels={ms.Count} mean_mib={bytes / (double)ms.Count / (1 << 20):F2} median_ms={ms[ms.Count / 2]:F1} p90_ms={ms[ms.Count * 9 / 10]:F1} sum_ms={ms.Sum():F0}");
}
Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
