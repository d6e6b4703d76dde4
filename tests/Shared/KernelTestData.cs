using System.IO.Compression;

namespace CompatService.Tests.Shared;

/// <summary>Paths and loaders for kernel test inputs (synthetic ones in the repo, real ones in the corpus).</summary>
internal static class KernelTestData
{
    public static string Synthetic(string name) => Path.Combine(TestPaths.Fixtures, "ingest", name);
    public static byte[] ReadSynthetic(string name) => File.ReadAllBytes(Synthetic(name));

    public static string CorpusKernel(string dir) => Path.Combine(TestPaths.Corpus, "btf", dir);
    public static string CorpusImage(string dir, string file) => Path.Combine(TestPaths.Corpus, "images", dir, file);

    public static byte[] Gunzip(string path)
    {
        using var gz = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    /// <summary>kfuncs-btf_ids.txt as (name, flags) sorted by name (ordinal).</summary>
    public static List<(string Name, uint Flags)> ExpectedKfuncs(string dir) =>
        File.ReadAllLines(Path.Combine(CorpusKernel(dir), "kfuncs-btf_ids.txt"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' '))
            .Select(p => (p[0], Convert.ToUInt32(p[1], 16)))
            .OrderBy(e => e.Item1, StringComparer.Ordinal)
            .ToList();

    /// <summary>The three real images in the corpus and the corpus kernel each one belongs to.</summary>
    public static TheoryData<string, string> CorpusImages => new()
    {
        { "debian-6.1.0-56-amd64", "vmlinuz" },
        { "debian-6.12.117+deb12-amd64", "vmlinuz" },
        { "debian-6.1.0-56-arm64", "Image.gz" },
    };
}
