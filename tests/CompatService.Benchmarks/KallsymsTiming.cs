using System.Diagnostics;
using CompatService.Kernels;

namespace CompatService.Benchmarks;

/// <summary>
/// `--kallsyms IMAGE... [--rounds N]`: per kernel image, the time to decompress it (once) and then to decode its
/// kallsyms (best of N rounds), the bytes the decode allocates and the decoded table retains, and the stored form's size.
/// </summary>
public static class KallsymsTiming
{
    public static int Run(string[] args)
    {
        var rounds = 5;
        var images = new List<string>();
        for (var i = 0; i < args.Length; i++)
            if (args[i] == "--rounds") rounds = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
            else images.Add(args[i]);
        Console.WriteLine("image\tsymbols\tdecompress_ms\tdecode_ms(best)\tdecode_alloc_MiB\ttable_MiB\tstored_KiB");
        foreach (var path in images)
        {
            var sw = Stopwatch.StartNew();
            var image = KernelImage.Read(File.ReadAllBytes(path));
            var decompress = sw.Elapsed.TotalMilliseconds;
            double best = double.MaxValue;
            long alloc = 0;
            Engine.Kernels.KallsymsTable? table = null;
            for (var r = 0; r < rounds; r++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                sw.Restart();
                table = image.DecodeKallsyms(out var why) ?? throw new InvalidOperationException($"{path}: {why}");
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                alloc = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            Console.WriteLine($"{Path.GetFileName(Path.GetDirectoryName(path))}\t{table!.EntryCount}\t{decompress:F0}\t{best:F0}\t{alloc / 1048576.0:F1}\t{table.SizeInBytes / 1048576.0:F1}\t{table.Serialize().Length / 1024}");
        }
        return 0;
    }
}
