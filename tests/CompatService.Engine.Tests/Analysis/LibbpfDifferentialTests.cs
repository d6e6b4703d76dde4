using System.Text.Json;
using CompatService.Engine.Analysis;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// The engine's predictions for the 166 real corpus objects on the 6.18 host kernel against what libbpf 1.7 really did
/// there (loads-6.18.json: each program loaded alone, with generic run-time fixups such as map sizes). Every
/// disagreement is listed; there must be none.
/// </summary>
public sealed class LibbpfDifferentialTests(ITestOutputHelper output)
{
    [CorpusFact]
    public void EnginePredictions_MatchLibbpfLoads_OnTheHost618Kernel()
    {
        var root = Path.Combine(TestPaths.Corpus, "objects");
        using var loads = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "loads-6.18.json")));
        var kernel = TestData.Kernel(TestData.CorpusKernelDir("host-6.18.44-fc-v669-x86_64")).Btf;
        var disagreements = new List<string>();
        int agreed = 0, unknown = 0;
        var byFile = loads.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("file").GetString()!);
        foreach (var entry in loads.RootElement.GetProperty("results").EnumerateArray())
        {
            var file = entry.GetProperty("file").GetString()!;
            // byte-identical objects are recorded once: `same_as` points at the record with the outcome
            var record = entry.TryGetProperty("same_as", out var same) ? byFile[same.GetString()!] : entry;
            var obj = BpfObject.Parse(File.ReadAllBytes(Path.Combine(root, file)));
            var results = CompatEngine.Check(obj, kernel, "6.18");
            var hasPrograms = record.TryGetProperty("programs", out var programs) && programs.GetArrayLength() > 0;
            if (!hasPrograms)
            {
                // libbpf could not open the object: every program we see must be predicted to fail.
                for (var i = 0; i < obj.Programs.Count; i++)
                {
                    if (results[i].Verdict == Verdict.Fails) agreed++;
                    else disagreements.Add($"{file} {obj.Programs[i].Name}: libbpf failed to open ({(record.TryGetProperty("failure_class", out var fc) ? fc.ToString() : "?")}), engine says {results[i].Verdict}");
                }
                continue;
            }
            foreach (var p in programs.EnumerateArray())
            {
                var name = p.GetProperty("name").GetString()!;
                var index = obj.Programs.ToList().FindIndex(x => x.Name == name);
                if (index < 0) { disagreements.Add($"{file} {name}: libbpf has this program, the engine does not"); continue; }
                var libbpfLoads = p.GetProperty("loads_alone_with_fixups").GetBoolean();
                var r = results[index];
                if (r.Verdict == Verdict.Unknown) { unknown++; continue; }
                if ((r.Verdict == Verdict.Loads) == libbpfLoads) { agreed++; continue; }
                disagreements.Add($"{file} {name}: libbpf {(libbpfLoads ? "loaded" : $"failed ({p.GetProperty("failure_class")}: {p.GetProperty("failure_detail")})")}, " +
                                  $"engine says {r.Verdict}: {string.Join(" | ", r.Reasons.Select(x => x.Code + " " + x.Message))}");
            }
        }
        output.WriteLine($"agreed {agreed}, unknown {unknown}, disagreed {disagreements.Count}");
        foreach (var d in disagreements) output.WriteLine(d);
        Assert.True(agreed > 300, $"only {agreed} program outcomes compared");
        Assert.True(disagreements.Count == 0, string.Join("\n", disagreements));
    }
}
