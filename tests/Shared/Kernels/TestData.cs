using System.Collections.Concurrent;
using CompatService.Engine.Object;
using CompatService.Kernels;

namespace CompatService.Tests.Shared;

/// <summary>Fixture objects (tests/fixtures/bpf) and kernels (committed fixtures and the shared corpus), cached per run.</summary>
public static class TestData
{
    private static readonly ConcurrentDictionary<string, LoadedKernel> Kernels = new();
    private static readonly ConcurrentDictionary<string, BpfObject> Objects = new();

    public static string FixturePath(string name, string endian = "bpfel") => Path.Combine(TestPaths.Fixtures, "bpf", $"{name}.{endian}.o");

    public static BpfObject Fixture(string name, string endian = "bpfel") =>
        Objects.GetOrAdd($"{name}.{endian}", _ => BpfObject.Parse(File.ReadAllBytes(FixturePath(name, endian))));

    public static IEnumerable<string> FixtureNames() =>
        Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Select(f => Path.GetFileName(f)[..^".bpfel.o".Length]).Order();

    public static string CorpusKernelDir(string dir) => Path.Combine(TestPaths.Corpus, "btf", dir);
    public static string FixtureKernelDir(string dir) => Path.Combine(TestPaths.Fixtures, "kernels", dir);

    public static LoadedKernel Kernel(string path) => Kernels.GetOrAdd(path, KernelInput.Load);

    /// <summary>Corpus kernel directory names (empty when the corpus is absent).</summary>
    public static IEnumerable<string> CorpusKernelDirs() =>
        TestPaths.HasCorpus
            ? Directory.GetDirectories(Path.Combine(TestPaths.Corpus, "btf")).Select(Path.GetFileName).OfType<string>().Order()
            : [];

    /// <summary>Kernel family of a corpus directory name: 6.1, 6.12, 7.2 or 6.18.</summary>
    public static string Family(string dir)
    {
        var release = dir.StartsWith("host-", StringComparison.Ordinal) ? dir["host-".Length..] : dir["debian-".Length..];
        var parts = release.Split('.', '-', '+');
        return $"{parts[0]}.{parts[1]}";
    }
}
