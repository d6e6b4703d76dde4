using CompatService.Engine.Asm;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.AsmTests;

/// <summary>The disassembler and classifier over the 159 real objects of the corpus.</summary>
public class CorpusDisassemblyTests
{
    public static TheoryData<string> CorpusObjects() => InstructionRoundTripTests.CorpusObjects();

    /// <summary>GCC-built objects (libdtrace's) pad functions with all-zero slots; they are not instructions.</summary>
    private static bool IsZeroPadding(Instruction insn) => insn == default;

    private static string Full(string relative) => Path.Combine(TestPaths.Corpus, "objects", relative);

    [CorpusTheory]
    [MemberData(nameof(CorpusObjects))]
    public void CorpusObject_EveryInstructionIsAKnownEncoding(string relativePath)
    {
        var elf = AsmFixtures.Load(Full(relativePath));
        var unknown = new List<string>();
        foreach (var section in AsmFixtures.CodeSections(elf))
        {
            var insns = AsmFixtures.Decode(elf, section);
            for (var i = 0; i < insns.Length; i++)
            {
                if (i > 0 && insns[i - 1].IsLdImm64) continue;
                if (IsZeroPadding(insns[i])) continue;
                var text = Disassembler.Format(insns[i], i + 1 < insns.Length ? insns[i + 1] : null, i);
                if (text.StartsWith("<unknown", StringComparison.Ordinal)) unknown.Add($"{section.Name}:{i}: {insns[i]}");
            }
        }
        Assert.Empty(unknown);
    }

    [LlvmObjdumpTheory(needsCorpus: true)]
    [MemberData(nameof(CorpusObjects))]
    public void CorpusObject_ListingAgreesWithLlvmObjdump(string relativePath)
    {
        var path = Full(relativePath);
        var elf = AsmFixtures.Load(path);
        var plain = LlvmObjdump.Disassemble(path, alu32: false);
        var alu32 = LlvmObjdump.Disassemble(path, alu32: true);
        var mismatches = new List<string>();
        foreach (var section in AsmFixtures.CodeSections(elf))
        {
            if (!plain.TryGetValue(section.Name, out var llvm)) continue;
            var insns = AsmFixtures.Decode(elf, section);
            for (var i = 0; i < insns.Length; i++)
            {
                if (i > 0 && insns[i - 1].IsLdImm64) continue;
                if (IsZeroPadding(insns[i])) continue; // llvm-objdump folds zero runs into "..."
                var ours = Disassembler.Format(insns[i], i + 1 < insns.Length ? insns[i + 1] : null, i);
                var theirs = llvm.GetValueOrDefault(i, "(missing)");
                var theirsAlu32 = alu32[section.Name].GetValueOrDefault(i, "(missing)");
                if (theirs == LlvmObjdump.Unknown && theirsAlu32 == LlvmObjdump.Unknown) continue;
                if (ours != theirs && ours != theirsAlu32)
                    mismatches.Add($"{section.Name}:{i}: ours '{ours}', llvm '{theirs}' / alu32 '{theirsAlu32}'");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(20)));
    }
}
