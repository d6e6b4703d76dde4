using System.Diagnostics;
using System.Globalization;
using CompatService.Engine;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Benchmarks;

/// <summary>
/// `--hostile [ROUNDS]`: what issue 11's two cost items take in the engine, phase by phase (open = ELF parse + link,
/// inspect, check against the Debian 6.1 fixture kernel): one program of 1 M instructions and 65 529 program sections,
/// built by tests/Shared/HostileObjects. Prints wall ms and bytes allocated per phase (the best of ROUNDS), and the
/// process's peak working set. Run with `dotnet run -c Release --project tests/CompatService.Benchmarks -- --hostile`.
/// </summary>
public static class HostileCost
{
    public static int Run(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        var root = FindRoot();
        var kernel = KernelDirectory.Load(Path.Combine(root, "tests", "fixtures", "kernels", "debian-6.1.0-47-amd64")).Btf;
        // Warm the engine's process-wide caches (kernel facts, the kernel's enums) on a small object first.
        CompatEngine.Check(CompatEngine.OpenObject(HostileObjects.ManySections(2)), kernel, "warm");
        Measure("big-1M-insns", HostileObjects.BigProgram(1_000_000), kernel, rounds);
        Measure("sections-65529", HostileObjects.ManySections(65_529), kernel, rounds);
        Budgeted("branchy-1M-insns", HostileObjects.BranchyProgram(1_000_000), kernel);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak_working_set_mb={Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0}"));
        return 0;
    }

    private static void Measure(string name, byte[] input, KernelBtfSet kernel, int rounds)
    {
        var best = new (double Ms, long Bytes)[3];
        for (var i = 0; i < best.Length; i++) best[i] = (double.MaxValue, long.MaxValue);
        for (var r = 0; r < rounds; r++)
        {
            GC.Collect();
            var (obj, open) = Phase(() => CompatEngine.OpenObject(input));
            var (_, inspect) = Phase(() => CompatEngine.Inspect(obj));
            var (_, check) = Phase(() => CompatEngine.Check(obj, kernel, "k"));
            (double, long)[] now = [open, inspect, check];
            for (var i = 0; i < best.Length; i++)
                best[i] = (Math.Min(best[i].Ms, now[i].Item1), Math.Min(best[i].Bytes, now[i].Item2));
        }
        var ci = CultureInfo.InvariantCulture;
        string[] phases = ["open", "inspect", "check"];
        var parts = phases.Select((p, i) => string.Create(ci, $"{p} {best[i].Ms:F0} ms {best[i].Bytes / 1048576.0:F0} MiB"));
        Console.WriteLine(string.Create(ci, $"{name}: input {input.Length / 1048576.0:F1} MiB, {string.Join(", ", parts)}, total {best.Sum(b => b.Ms):F0} ms {best.Sum(b => b.Bytes) / 1048576.0:F0} MiB"));
    }

    /// <summary>The worst case of the reachability walk (many states everywhere) under the default cell budget: steps, or where it stopped.</summary>
    private static void Budgeted(string name, byte[] input, KernelBtfSet kernel)
    {
        var obj = CompatEngine.OpenObject(input);
        var budget = new AnalysisBudget(AnalysisBudget.DefaultCellWork);
        var (outcome, cost) = Phase(() =>
        {
            try { CompatEngine.Check(obj, kernel, "k", budget); return "checked"; }
            catch (AnalysisBudgetExceededException e) { return e.Message; }
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: check under the default cell budget: {cost.Ms:F0} ms {cost.Bytes / 1048576.0:F0} MiB, {budget.Used} steps: {outcome}"));
    }

    /// <summary>
    /// `--budget-profile OBJECTS_DIR KERNEL_DIR`: the most steps any real object takes to read and to check (the defaults of
    /// <see cref="AnalysisBudget"/> must sit far above these).
    /// </summary>
    public static int Profile(string[] args)
    {
        var kernel = KernelDirectory.Load(args[1]).Btf;
        long maxRead = 0, maxCheck = 0;
        string? readName = null, checkName = null;
        var n = 0;
        foreach (var f in Directory.GetFiles(args[0], "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var read = AnalysisBudget.Unlimited();
            Engine.Object.BpfObject obj;
            try { obj = CompatEngine.OpenObject(File.ReadAllBytes(f), read); CompatEngine.Inspect(obj, read); }
            catch (BpfFormatException) { continue; }
            var check = AnalysisBudget.Unlimited();
            CompatEngine.Check(obj, kernel, "k", check);
            n++;
            if (read.Used > maxRead) (maxRead, readName) = (read.Used, f);
            if (check.Used > maxCheck) (maxCheck, checkName) = (check.Used, f);
        }
        Console.WriteLine($"objects={n} max_read_steps={maxRead} ({readName}) max_check_steps={maxCheck} ({checkName})");
        return 0;
    }

    private static (T Value, (double Ms, long Bytes) Cost) Phase<T>(Func<T> f)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var v = f();
        return (v, (sw.Elapsed.TotalMilliseconds, GC.GetAllocatedBytesForCurrentThread() - before));
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CompatService.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CompatService.sln not found");
    }
}
