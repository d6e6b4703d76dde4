using System.Diagnostics;
using System.Text.Json;
using CompatService.Engine;

namespace CompatService.Agent.Commands;

/// <summary>
/// Hidden `bench OBJECT... [--iterations N]`: `check` latency with the kernel parsed once (p50 / p99 over N
/// in-process runs of open + check of every object) and the agent's resident memory afterwards.
/// </summary>
public static class BenchCommand
{
    public static int Run(AgentApp app, AgentArgs args)
    {
        var objects = AgentApp.ReadObjects(args.Objects);
        var open = Stopwatch.StartNew();
        var session = app.Host(args.HostRoot);
        var kernel = session.Kernel;
        open.Stop();
        void CheckAll() { foreach (var o in objects) CompatEngine.Check(CompatEngine.OpenObject(o.Bytes), kernel, "host"); }
        CheckAll(); // warm-up
        var samples = new double[args.Iterations];
        for (var i = 0; i < samples.Length; i++)
        {
            var sw = Stopwatch.StartNew();
            CheckAll();
            samples[i] = sw.Elapsed.TotalMilliseconds;
        }
        Array.Sort(samples);
        var (rss, hwm) = Memory();
        var result = new BenchResult(samples.Length, objects.Count, Percentile(samples, 0.50), Percentile(samples, 0.99), samples[^1],
            samples.Average(), open.Elapsed.TotalMilliseconds, rss, hwm);
        if (args.Format == "json") app.Out.WriteLine(JsonSerializer.Serialize(result, AgentJson.Readable.BenchResult));
        else
            app.Out.WriteLine($"check x{result.Iterations} ({result.Objects} objects, kernel cached): p50 {result.P50Ms:F3} ms, p99 {result.P99Ms:F3} ms, " +
                              $"max {result.MaxMs:F3} ms, mean {result.MeanMs:F3} ms; kernel open {result.KernelOpenMs:F0} ms; VmRSS {result.VmRssKb} kB (peak {result.VmHwmKb} kB)");
        return AgentApp.Ok;
    }

    public static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>VmRSS and VmHWM of this process in kB (/proc/self/status).</summary>
    public static (long Rss, long Hwm) Memory()
    {
        long rss = 0, hwm = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line);
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line);
            }
        }
        catch (IOException) { }
        return (rss, hwm);
        static long Kb(string line) => long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out var v) ? v : 0;
    }
}
