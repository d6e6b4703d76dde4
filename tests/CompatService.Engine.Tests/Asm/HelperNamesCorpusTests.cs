using System.Text.Json;
using CompatService.Engine.Asm;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.AsmTests;

public class HelperNamesCorpusTests
{
    /// <summary>
    /// The corpus manifest names each program's helpers from the build machine's kernel enums (without the
    /// `bpf_` prefix). Our id → name table must name the helper calls we find in the code the same way:
    /// calls in a program section ⊆ the manifest's helpers of the programs there ⊆ calls in that section + .text.
    /// </summary>
    [CorpusFact]
    public void HelperCallsInCorpusObjects_HaveTheNamesTheManifestRecords()
    {
        var root = Path.Combine(TestPaths.Corpus, "objects");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, "manifest.json")));
        var checkedSections = 0;
        foreach (var obj in doc.RootElement.GetProperty("objects").EnumerateArray())
        {
            var programs = obj.GetProperty("programs").EnumerateArray().ToList();
            if (programs.Count == 0) continue;
            var elf = AsmFixtures.Load(Path.Combine(root, obj.GetProperty("file").GetString()!));
            var callsBySection = AsmFixtures.CodeSections(elf).ToDictionary(
                s => s.Name,
                s => AsmFixtures.Decode(elf, s).Where(i => i.CallKind == CallKind.Helper)
                    .Select(i => HelperNames.Name(i.Imm) ?? $"#{i.Imm}").ToHashSet(StringComparer.Ordinal));
            var text = callsBySection.GetValueOrDefault(".text") ?? [];
            foreach (var group in programs.GroupBy(p => p.GetProperty("section").GetString()!))
            {
                var recorded = group.SelectMany(p => p.GetProperty("helpers").EnumerateArray().Select(h => "bpf_" + h.GetString()))
                    .ToHashSet(StringComparer.Ordinal);
                var inSection = callsBySection[group.Key];
                Assert.True(inSection.IsSubsetOf(recorded), $"{obj.GetProperty("file")} [{group.Key}]: calls {string.Join(",", inSection.Except(recorded))} not in the manifest");
                Assert.True(recorded.IsSubsetOf(inSection.Union(text)), $"{obj.GetProperty("file")} [{group.Key}]: manifest helpers {string.Join(",", recorded.Except(inSection.Union(text)))} not called");
                checkedSections++;
            }
        }
        Assert.True(checkedSections > 100, $"only {checkedSections} program sections checked");
    }
}
