using System.IO.Compression;

namespace CompatService.Benchmarks;

/// <summary>Where the benchmark blobs come from: the host's BTF, else the largest corpus vmlinux BTF, else a fixture.</summary>
public static class BenchData
{
    public const string HostBtf = "/sys/kernel/btf/vmlinux";

    /// <summary>The path used by default: /sys/kernel/btf/vmlinux when readable, else the largest corpus blob.</summary>
    public static string DefaultBlobPath()
    {
        if (File.Exists(HostBtf)) return HostBtf;
        var candidates = new List<string>();
        foreach (var root in new[] { CorpusDir(), Path.Combine(RepoRoot() ?? ".", "tests", "fixtures", "kernels") })
            if (root is not null && Directory.Exists(root))
                candidates.AddRange(Directory.EnumerateFiles(root, "vmlinux.btf.gz", SearchOption.AllDirectories));
        return candidates.OrderByDescending(f => new FileInfo(f).Length).FirstOrDefault()
               ?? throw new FileNotFoundException("no BTF blob: neither /sys/kernel/btf/vmlinux nor a corpus/fixture vmlinux.btf.gz");
    }

    /// <summary>Raw BTF bytes of a file (gunzipped when it is gzip).</summary>
    public static byte[] Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 2 || bytes[0] != 0x1f || bytes[1] != 0x8b) return bytes;
        using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        using var ms = new MemoryStream();
        gz.CopyTo(ms);
        return ms.ToArray();
    }

    public static string? RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CompatService.sln"))) dir = dir.Parent;
        return dir?.FullName;
    }

    public static string? CorpusDir()
    {
        var env = Environment.GetEnvironmentVariable("COMPAT_CORPUS");
        if (!string.IsNullOrEmpty(env)) return Path.Combine(env, "btf");
        var root = RepoRoot();
        foreach (var candidate in new[] { root is null ? null : Path.Combine(root, "..", "shared", "corpus", "btf"), "/work/shared/corpus/btf" })
            if (candidate is not null && Directory.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }
}
