// Open-loop HTTP load at a fixed rate from a second process (run: dotnet run scripts/bench/loadgen.cs -- ARGS).
//   --rate 200 --seconds 20 --url URL [--url URL ...] (round-robin) [--name label]
// Prints: name, sent, errors, achieved rate, p50 / p90 / p99 / max latency in ms (send → full body read).
using System.Diagnostics;
using System.Globalization;

var urls = new List<string>();
double rate = 200, seconds = 20;
var name = "load";
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--rate": rate = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seconds": seconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--url": urls.Add(args[++i]); break;
        case "--name": name = args[++i]; break;
    }
}
if (urls.Count == 0) { Console.Error.WriteLine("usage: loadgen --url URL [--rate R] [--seconds S]"); return 2; }

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    Timeout = TimeSpan.FromSeconds(10),
};
// warm-up: one request per URL (connection, JIT, first-compute)
foreach (var u in urls) (await http.GetAsync(u)).EnsureSuccessStatusCode();

var total = (int)(rate * seconds);
var latencies = new double[total];
var errors = 0;
var tasks = new List<Task>(total);
var clock = Stopwatch.StartNew();
for (var i = 0; i < total; i++)
{
    var due = TimeSpan.FromSeconds(i / rate);
    var wait = due - clock.Elapsed;
    if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
    var index = i;
    tasks.Add(Task.Run(async () =>
    {
        var t0 = Stopwatch.GetTimestamp();
        try
        {
            using var r = await http.GetAsync(urls[index % urls.Count]);
            await r.Content.ReadAsByteArrayAsync();
            if (!r.IsSuccessStatusCode) Interlocked.Increment(ref errors);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref errors);
        }
        latencies[index] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
    }));
}
await Task.WhenAll(tasks);
var elapsed = clock.Elapsed.TotalSeconds;
Array.Sort(latencies);
double P(double q) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{name}: sent {total} in {elapsed:F1}s ({total / elapsed:F0} req/s), errors {errors}, p50 {P(0.50):F2} ms, p90 {P(0.90):F2} ms, p99 {P(0.99):F2} ms, max {latencies[^1]:F2} ms"));
return errors == 0 ? 0 : 1;
