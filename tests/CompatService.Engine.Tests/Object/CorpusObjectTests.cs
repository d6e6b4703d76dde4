using System.Text.Json;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Object;

/// <summary>
/// Every real third-party object parses and links, and what the engine finds (programs, sections, sizes, kfuncs and their
/// binding) equals what the corpus manifest recorded. Their verdicts are checked against libbpf in LibbpfDifferentialTests.
/// </summary>
public sealed class CorpusObjectTests(ITestOutputHelper output)
{
    private static IEnumerable<string> CorpusObjects() =>
        Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories).Order();

    [CorpusFact]
    public void EveryCorpusObject_Parses_AndMatchesTheManifestsPrograms()
    {
        var root = Path.Combine(TestPaths.Corpus, "objects");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "manifest.json")));
        var objects = manifest.RootElement.GetProperty("objects").EnumerateArray().ToArray();
        Assert.True(objects.Length >= 150, $"expected the 166 corpus objects, found {objects.Length}");
        var programs = 0;
        var mismatches = new List<string>();
        foreach (var entry in objects)
        {
            var file = entry.GetProperty("file").GetString()!;
            var obj = BpfObject.Parse(File.ReadAllBytes(Path.Combine(root, file)));
            programs += obj.Programs.Count;
            foreach (var p in obj.Programs)
            {
                Assert.True(p.Instructions.Count >= p.OwnLength);
                Assert.All(p.References, r => Assert.InRange(r.Insn, 0, p.Instructions.Count - 1));
            }
            // programs (name, section, own instruction count) and kfuncs with their binding, as the manifest recorded them
            var expected = entry.GetProperty("programs").EnumerateArray()
                .Select(p => $"{p.GetProperty("name").GetString()}@{p.GetProperty("section").GetString()}#{p.GetProperty("insns").GetInt32()}").Order().ToArray();
            var actual = obj.Programs.Select(p => $"{p.Name}@{p.SectionName}#{p.OwnLength}").Order().ToArray();
            if (!expected.SequenceEqual(actual)) mismatches.Add($"{file}: programs manifest [{string.Join(", ", expected)}] engine [{string.Join(", ", actual)}]");
            var kfuncs = entry.GetProperty("kfuncs").EnumerateArray().Select(k => k.GetString()!).Order().ToArray();
            var weak = entry.GetProperty("weak_kfuncs").EnumerateArray().Select(k => k.GetString()!).Order().ToArray();
            var ours = obj.Externs.Where(e => e.Kind == ExternKind.Kfunc).ToArray();
            if (!kfuncs.SequenceEqual(ours.Select(e => e.Name).Order()) || !weak.SequenceEqual(ours.Where(e => e.IsWeak).Select(e => e.Name).Order()))
                mismatches.Add($"{file}: kfuncs manifest [{string.Join(", ", kfuncs)}] weak [{string.Join(", ", weak)}], engine [{string.Join(", ", ours.Select(e => e.Name + (e.IsWeak ? "(weak)" : "")))}]");
        }
        output.WriteLine($"{objects.Length} objects, {programs} programs parsed");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
