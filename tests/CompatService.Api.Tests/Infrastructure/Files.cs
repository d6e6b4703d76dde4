using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Infrastructure;

public static class Files
{
    public static byte[] Fixture(string name, string endian = "bpfel") =>
        File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "bpf", $"{name}.{endian}.o"));

    public static string CorpusKernel(string dir) => Path.Combine(TestPaths.Corpus, "btf", dir);

    public static string Sha(byte[] b) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(b));
}
