using System.Text.Json;
using CompatService.Engine.Object;
using CompatService.Engine.Tests.Support;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Object;

/// <summary>Every real third-party object parses, links and gets a verdict on a real kernel without error.</summary>
public sealed class CorpusObjectTests(ITestOutputHelper output)
{
    private static IEnumerable<string> CorpusObjects() =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories).Order();

    [CorpusFact]
    public void EveryCorpusObject_Parses_AndMatchesTheManifestsPrograms()
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Corpus, "objects", "manifest.json")));
        var files = CorpusObjects().ToArray();
        Assert.True(files.Length >= 150, $"expected the 166 corpus objects, found {files.Length}");
        var programs = 0;
        foreach (var file in files)
        {
            var obj = BpfObject.Parse(File.ReadAllBytes(file));
            programs += obj.Programs.Count;
            foreach (var p in obj.Programs)
            {
                Assert.True(p.Instructions.Count >= p.OwnLength);
                Assert.All(p.References, r => Assert.InRange(r.Insn, 0, p.Instructions.Count - 1));
            }
        }
        output.WriteLine($"{files.Length} objects, {programs} programs parsed");
        Assert.True(manifest.RootElement.TryGetProperty("objects", out _) || manifest.RootElement.TryGetProperty("packages", out _));
    }

    [CorpusFact]
    public void EveryCorpusObject_GetsAVerdict_OnTheHostKernel()
    {
        var kernel = TestData.Kernel(TestData.CorpusKernelDir("host-6.18.44-fc-v669-x86_64")).Btf;
        var counts = new Dictionary<string, int>();
        foreach (var file in CorpusObjects())
        {
            var obj = BpfObject.Parse(File.ReadAllBytes(file));
            foreach (var r in CompatEngine.Check(obj, kernel, "host"))
                counts[r.Verdict.ToString()] = counts.GetValueOrDefault(r.Verdict.ToString()) + 1;
        }
        output.WriteLine(string.Join(", ", counts.Select(kv => $"{kv.Key}: {kv.Value}")));
        Assert.True(counts.Values.Sum() > 0);
    }
}
