using System.IO.Compression;
using System.Text.Json;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Btf;

/// <summary>Kernel BTF test data: the committed fixtures (tests/fixtures/kernels) and the shared corpus kernels.</summary>
internal static class BtfTestData
{
    public static string FixtureKernels => Path.Combine(TestPaths.Fixtures, "kernels");
    public const string Fixture61 = "debian-6.1.0-47-amd64";
    public const string Fixture612 = "debian-6.12.117+deb13-amd64";
    public const string Fixture72 = "debian-7.2.13+deb14-amd64";

    public static string FixtureDir(string name) => Path.Combine(FixtureKernels, name);

    public static IEnumerable<string> CorpusKernelDirs() =>
        TestPaths.HasCorpus
            ? Directory.GetDirectories(Path.Combine(TestPaths.Corpus, "btf")).OrderBy(d => d, StringComparer.Ordinal)
            : [];

    /// <summary>Theory data: every corpus kernel directory name (a placeholder when the corpus is absent; those theories skip).</summary>
    public static TheoryData<string> CorpusKernels()
    {
        var data = new TheoryData<string>();
        foreach (var d in CorpusKernelDirs()) data.Add(Path.GetFileName(d));
        if (data.Count == 0) data.Add("none");
        return data;
    }

    public static TheoryData<string> FixtureKernelNames() => new() { Fixture61, Fixture612, Fixture72 };

    public static string CorpusKernelDir(string name) => Path.Combine(TestPaths.Corpus, "btf", name);

    public static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    private static readonly Dictionary<string, byte[]> Cache = new(StringComparer.Ordinal);

    /// <summary>The raw vmlinux BTF of a kernel directory (cached per test run).</summary>
    public static byte[] RawVmlinux(string dir)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(dir, out var raw)) Cache[dir] = raw = Gunzip(Path.Combine(dir, "vmlinux.btf.gz"));
            return raw;
        }
    }

    public static JsonDocument Info(string dir) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(dir, "info.json")));

    public static string[] Lines(string path) =>
        File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
