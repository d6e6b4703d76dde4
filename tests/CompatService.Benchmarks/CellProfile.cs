using System.Diagnostics;
using System.Globalization;
using CompatService.Engine;
using CompatService.Engine.Analysis;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using CompatService.Kernels;

namespace CompatService.Benchmarks;

/// <summary>
/// `--cell-profile KERNELS_DIR OBJECTS_DIR [ROUNDS]`: what one matrix cell costs inside the engine when its kernel was
/// just opened (the fleet case: a kernel per batch) versus when the kernel is warm. Prints key=value lines (µs):
/// open_us (OpenKernel from raw vmlinux + module BTF), first_check_us (Check of the first object on a freshly opened
/// kernel), fresh_check_us (mean Check per object on a freshly opened kernel), warm_check_us (the same objects again).
/// </summary>
public static class CellProfile
{
    public static int Run(string[] args)
    {
        var kernels = Directory.GetDirectories(args[0]).Where(KernelDirectory.IsKernelDirectory).Order(StringComparer.Ordinal)
            .Select(KernelDirectory.Load).ToList();
        var objects = Directory.GetFiles(args[1], "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => { try { return CompatEngine.OpenObject(File.ReadAllBytes(f)); } catch (BpfFormatException) { return null; } })
            .OfType<BpfObject>().Take(50).ToList();
        // COMPAT_WALK_MEMO=0: walk every time (compare with the memo, which serves a walk seen on another kernel).
        WalkMemo.Enabled = Environment.GetEnvironmentVariable("COMPAT_WALK_MEMO") != "0";
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        double open = 0, first = 0, fresh = 0, warm = 0;
        int nOpen = 0, nFresh = 0, nWarm = 0;
        for (var r = 0; r < rounds; r++)
            foreach (var k in kernels)
            {
                var sw = Stopwatch.StartNew();
                var set = CompatEngine.OpenKernel(k.Btf.Vmlinux.RawBytes,
                    k.Btf.Modules.Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Name, m.Spec.RawBytes)).ToList(),
                    k.Btf.Release, k.Btf.KfuncFlags);
                set = new KernelBtfSet(set.Vmlinux, set.Modules, set.BtfSha256, set.Release, set.KfuncFlags, k.Btf.Config);
                open += sw.Elapsed.TotalMicroseconds; nOpen++;
                for (var i = 0; i < objects.Count; i++)
                {
                    sw.Restart();
                    CompatEngine.Check(objects[i], set, "k");
                    var us = sw.Elapsed.TotalMicroseconds;
                    if (i == 0) first += us;
                    fresh += us; nFresh++;
                }
                foreach (var o in objects)
                {
                    sw.Restart();
                    CompatEngine.Check(o, set, "k");
                    warm += sw.Elapsed.TotalMicroseconds; nWarm++;
                }
            }
        var ci = CultureInfo.InvariantCulture;
        Console.WriteLine($"kernels={kernels.Count} objects={objects.Count} rounds={rounds}");
        Console.WriteLine(string.Create(ci, $"open_us={open / nOpen:F0}"));
        Console.WriteLine(string.Create(ci, $"first_check_us={first / nOpen:F0}"));
        Console.WriteLine(string.Create(ci, $"fresh_check_us={fresh / nFresh:F1}"));
        Console.WriteLine(string.Create(ci, $"warm_check_us={warm / nWarm:F1}"));
        Console.WriteLine($"walk_memo={(WalkMemo.Enabled ? "on" : "off")} hits={WalkMemo.Stats.Hits} misses={WalkMemo.Stats.Misses}");
        return 0;
    }
}
