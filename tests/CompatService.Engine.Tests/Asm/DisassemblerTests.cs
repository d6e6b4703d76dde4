using System.Text;
using CompatService.Engine.Asm;
using CompatService.Engine.Binary;
using CompatService.Engine.Elf;

namespace CompatService.Engine.Tests.AsmTests;

public class DisassemblerTests
{
    private static string F(Instruction insn, Instruction? next = null, Func<int, string?>? callName = null) =>
        Disassembler.Format(insn, next, 0, callName);

    private static Instruction I(byte op, byte dst = 0, byte src = 0, short off = 0, int imm = 0) => new(op, dst, src, off, imm);

    [Theory]
    [InlineData(0xb7, 1, 0, 0, 0, "r1 = 0")]
    [InlineData(0xb4, 6, 0, 0, -1, "w6 = -1")]
    [InlineData(0xbf, 0, 1, 0, 0, "r0 = r1")]
    [InlineData(0xbc, 2, 3, 0, 0, "w2 = w3")]
    [InlineData(0x07, 2, 0, 0, -4, "r2 += -4")]
    [InlineData(0x0f, 1, 3, 0, 0, "r1 += r3")]
    [InlineData(0x1c, 1, 4, 0, 0, "w1 -= w4")]
    [InlineData(0x2f, 1, 0, 0, 0, "r1 *= r0")]
    [InlineData(0x3f, 4, 3, 0, 0, "r4 /= r3")]
    [InlineData(0x3f, 4, 3, 1, 0, "r4 s/= r3")]
    [InlineData(0x9c, 5, 1, 1, 0, "w5 s%= w1")]
    [InlineData(0x97, 5, 0, 0, 7, "r5 %= 7")]
    [InlineData(0x47, 3, 0, 0, 1, "r3 |= 1")]
    [InlineData(0x57, 1, 0, 0, -4864, "r1 &= -4864")]
    [InlineData(0x6f, 1, 3, 0, 0, "r1 <<= r3")]
    [InlineData(0x77, 2, 0, 0, 6, "r2 >>= 6")]
    [InlineData(0xc7, 0, 0, 0, 3, "r0 s>>= 3")]
    [InlineData(0xc4, 0, 0, 0, 3, "w0 s>>= 3")]
    [InlineData(0xaf, 3, 0, 0, 0, "r3 ^= r0")]
    [InlineData(0x87, 0, 0, 0, 0, "r0 = -r0")]
    [InlineData(0x84, 0, 0, 0, 0, "w0 = -w0")]
    [InlineData(0xdc, 2, 0, 0, 32, "r2 = be32 r2")]
    [InlineData(0xd4, 0, 0, 0, 16, "r0 = le16 r0")]
    [InlineData(0xd7, 3, 0, 0, 64, "r3 = bswap64 r3")]
    [InlineData(0xbf, 5, 4, 8, 0, "r5 = (s8)r4")]
    [InlineData(0xbf, 2, 5, 32, 0, "r2 = (s32)r5")]
    [InlineData(0xbc, 4, 4, 16, 0, "w4 = (s16)w4")]
    [InlineData(0xbf, 1, 2, 1, 1, "r1 = addr_space_cast(r2, 0, 1)")]
    public void Alu_PrintsLlvmSyntax(byte op, byte dst, byte src, short off, int imm, string text) =>
        Assert.Equal(text, F(I(op, dst, src, off, imm)));

    [Theory]
    [InlineData(0x61, 2, 1, 0, 0, "r2 = *(u32 *)(r1 + 0)")]
    [InlineData(0x79, 0, 1, 8, 0, "r0 = *(u64 *)(r1 + 8)")]
    [InlineData(0x71, 2, 10, -17, 0, "r2 = *(u8 *)(r10 - 17)")]
    [InlineData(0x69, 2, 10, -20, 0, "r2 = *(u16 *)(r10 - 20)")]
    [InlineData(0x91, 1, 4, 0, 0, "r1 = *(s8 *)(r4 + 0)")]
    [InlineData(0x89, 3, 4, 2, 0, "r3 = *(s16 *)(r4 + 2)")]
    [InlineData(0x81, 1, 2, -4, 0, "r1 = *(s32 *)(r2 - 4)")]
    [InlineData(0x63, 10, 1, -4, 0, "*(u32 *)(r10 - 4) = r1")]
    [InlineData(0x7b, 6, 1, 0, 0, "*(u64 *)(r6 + 0) = r1")]
    [InlineData(0x73, 10, 1, -17, 0, "*(u8 *)(r10 - 17) = r1")]
    [InlineData(0x62, 10, 0, -8, 7, "*(u32 *)(r10 - 8) = 7")]
    [InlineData(0x7a, 10, 0, -8, -7, "*(u64 *)(r10 - 8) = -7")]
    [InlineData(0x30, 0, 0, 0, 12, "r0 = *(u8 *)skb[12]")]
    [InlineData(0x28, 0, 0, 0, 14, "r0 = *(u16 *)skb[14]")]
    [InlineData(0x40, 0, 9, 0, 0, "r0 = *(u32 *)skb[r9]")]
    [InlineData(0x40, 0, 9, 0, 4, "r0 = *(u32 *)skb[r9 + 4]")]
    public void LoadsAndStores_PrintsLlvmSyntax(byte op, byte dst, byte src, short off, int imm, string text) =>
        Assert.Equal(text, F(I(op, dst, src, off, imm)));

    [Theory]
    [InlineData(0xdb, 1, 2, 0, 0x00, "lock *(u64 *)(r1 + 0) += r2")]
    [InlineData(0xdb, 1, 2, 0, 0x40, "lock *(u64 *)(r1 + 0) |= r2")]
    [InlineData(0xdb, 1, 2, 0, 0x50, "lock *(u64 *)(r1 + 0) &= r2")]
    [InlineData(0xdb, 1, 2, 0, 0xa0, "lock *(u64 *)(r1 + 0) ^= r2")]
    [InlineData(0xdb, 1, 0, 0, 0x01, "r0 = atomic_fetch_add((u64 *)(r1 + 0), r0)")]
    [InlineData(0xdb, 1, 0, 8, 0xa1, "r0 = atomic_fetch_xor((u64 *)(r1 + 8), r0)")]
    [InlineData(0xdb, 1, 8, 0, 0xe1, "r8 = xchg_64(r1 + 0, r8)")]
    [InlineData(0xdb, 1, 2, 0, 0xf1, "r0 = cmpxchg_64(r1 + 0, r0, r2)")]
    [InlineData(0xc3, 1, 2, 8, 0xa0, "lock *(u32 *)(r1 + 8) ^= w2")]
    [InlineData(0xc3, 1, 0, 8, 0x51, "w0 = atomic_fetch_and((u32 *)(r1 + 8), w0)")]
    [InlineData(0xc3, 1, 0, 8, 0xe1, "w0 = xchg32_32(r1 + 8, w0)")]
    [InlineData(0xc3, 1, 2, 8, 0xf1, "w0 = cmpxchg32_32(r1 + 8, w0, w2)")]
    [InlineData(0xdb, 0, 1, 0, 0x100, "r0 = load_acquire((u64 *)(r1 + 0))")]
    [InlineData(0xd3, 0, 1, 0, 0x100, "w0 = load_acquire((u8 *)(r1 + 0))")]
    [InlineData(0xdb, 1, 2, 0, 0x110, "store_release((u64 *)(r1 + 0), r2)")]
    public void Atomics_PrintsLlvmSyntax(byte op, byte dst, byte src, short off, int imm, string text) =>
        Assert.Equal(text, F(I(op, dst, src, off, imm)));

    [Theory]
    [InlineData(0x05, 0, 0, 85, 0, "goto +85")]
    [InlineData(0x05, 0, 0, -5, 0, "goto -5")]
    [InlineData(0x06, 0, 0, 0, 40000, "gotol +40000")]
    [InlineData(0x15, 1, 0, 3, 0, "if r1 == 0 goto +3")]
    [InlineData(0x55, 2, 0, 1, 200, "if r2 != 200 goto +1")]
    [InlineData(0x25, 2, 0, 1, 99, "if r2 > 99 goto +1")]
    [InlineData(0x35, 1, 0, 0, 2, "if r1 >= 2 goto +0")]
    [InlineData(0xa5, 1, 0, 0, 2, "if r1 < 2 goto +0")]
    [InlineData(0xb5, 1, 0, 0, 2, "if r1 <= 2 goto +0")]
    [InlineData(0x4d, 1, 2, -1, 0, "if r1 & r2 goto -1")]
    [InlineData(0xc5, 0, 0, 1, -5, "if r0 s< -5 goto +1")]
    [InlineData(0xcd, 1, 6, 1, 0, "if r1 s< r6 goto +1")]
    [InlineData(0x7d, 1, 2, 0, 0, "if r1 s>= r2 goto +0")]
    [InlineData(0xd5, 1, 0, 0, 2, "if r1 s<= 2 goto +0")]
    [InlineData(0x65, 1, 0, 0, 5, "if r1 s> 5 goto +0")]
    [InlineData(0xbe, 0, 2, 1, 0, "if w0 <= w2 goto +1")]
    [InlineData(0xc6, 0, 0, 1, -1, "if w0 s< -1 goto +1")]
    [InlineData(0x46, 1, 0, 0, 3, "if w1 & 3 goto +0")]
    [InlineData(0x1e, 1, 2, 0, 0, "if w1 == w2 goto +0")]
    [InlineData(0xe5, 0, 0, 1, 0, "may_goto +1")]
    [InlineData(0x85, 0, 0, 0, 12, "call 12")]
    [InlineData(0x85, 0, 1, 0, -1, "call -1")]
    [InlineData(0x8d, 1, 0, 0, 0, "callx r1")]
    [InlineData(0x95, 0, 0, 0, 0, "exit")]
    public void JumpsAndCalls_PrintsLlvmSyntax(byte op, byte dst, byte src, short off, int imm, string text) =>
        Assert.Equal(text, F(I(op, dst, src, off, imm)));

    [Fact]
    public void LdImm64_JoinsBothSlots_AsASigned64BitValue()
    {
        var (lo, hi) = Instruction.LdImm64(1, 0x0123456789abcdef);
        Assert.Equal("r1 = 81985529216486895 ll", F(lo, hi));
        var (mlo, mhi) = Instruction.LdImm64(0, -1);
        Assert.Equal("r0 = -1 ll", F(mlo, mhi));
        var (zlo, zhi) = Instruction.LdImm64(1, 0, Opcodes.PseudoMapFd);
        Assert.Equal("r1 = 0 ll", F(zlo, zhi));
        Assert.Equal(0x0123456789abcdef, lo.Imm64(hi));
    }

    [Fact]
    public void LdImm64_WithoutSecondSlot_SaysSo()
    {
        var (lo, _) = Instruction.LdImm64(3, 5);
        Assert.Contains("without its second slot", F(lo));
    }

    [Fact]
    public void KfuncCall_WithResolver_PrintsTheName_AndWithoutIt_TheImm()
    {
        var call = I(0x85, 0, Opcodes.PseudoKfuncCall, 0, 104_123);
        Assert.Equal("call bpf_iter_num_new", Disassembler.Format(call, null, 7, i => i == 7 ? "bpf_iter_num_new" : null));
        Assert.Equal("call 104123", Disassembler.Format(call, null, 7));
        Assert.Equal("call 104123", Disassembler.Format(call, null, 8, i => i == 7 ? "bpf_iter_num_new" : null));
    }

    [Fact]
    public void HelperCallNames_NamesHelperCallsOnly()
    {
        Instruction[] prog = [I(0x85, 0, 0, 0, 1), I(0x85, 0, 1, 0, 3), I(0x95)];
        var names = Disassembler.HelperCallNames(prog);
        Assert.Equal("call bpf_map_lookup_elem", Disassembler.Format(prog[0], prog[1], 0, names));
        Assert.Equal("call 3", Disassembler.Format(prog[1], prog[2], 1, names));
    }

    [Theory]
    [InlineData(0x00)] // LD | W | IMM alone (an ld_imm64 second slot out of place)
    [InlineData(0x8e)] // JMP32 | CALL | X
    [InlineData(0x96)] // JMP32 | EXIT
    [InlineData(0xe4)] // ALU | 0xe0
    [InlineData(0xff)]
    [InlineData(0x99)] // LDX | MEMSX | DW
    [InlineData(0x38)] // LD | ABS | DW
    public void InvalidEncodings_PrintAsUnknownWithTheOpcode(byte op) =>
        Assert.Equal($"<unknown 0x{op:x2}>", F(I(op)));

    [Fact]
    public void FormatProgram_PutsLdImm64OnOneLine_WithIndexHexAndText()
    {
        var (lo, hi) = Instruction.LdImm64(1, 0);
        Instruction[] prog = [lo, hi, I(0x85, 0, 0, 0, 1), I(0x95)];
        var lines = Disassembler.FormatProgram(prog);
        Assert.Equal(
        [
            "     0: 18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00  r1 = 0 ll",
            "     2: 85 00 00 00 01 00 00 00  call 1",
            "     3: 95 00 00 00 00 00 00 00  exit",
        ], lines);
        var big = Disassembler.FormatProgram(prog, endian: Endian.Big);
        Assert.Equal("     0: 18 10 00 00 00 00 00 00 00 00 00 00 00 00 00 00  r1 = 0 ll", big[0]);
    }

    // ---------------------------------------------------------------- fixtures: golden listing

    /// <summary>Our listing of a fixture object: per code section, function labels and `call name` for externs.</summary>
    internal static string Listing(ElfFile elf)
    {
        var sb = new StringBuilder();
        var symbols = elf.Symbols;
        foreach (var section in AsmFixtures.CodeSections(elf))
        {
            var insns = AsmFixtures.Decode(elf, section);
            sb.Append("section ").Append(section.Name).Append('\n');
            var labels = symbols.Where(s => s.SectionIndex == section.Index && s.Type == ElfConstants.SttFunc)
                .GroupBy(s => (int)(s.Value / Instruction.Size)).ToDictionary(g => g.Key, g => string.Join(", ", g.Select(s => s.Name)));
            var externCalls = ExternCallNames(elf, section);
            var lines = Disassembler.FormatProgram(insns, i => externCalls.GetValueOrDefault(i), elf.Endian);
            foreach (var line in lines)
            {
                var index = int.Parse(line.AsSpan(0, line.IndexOf(':')).Trim());
                if (labels.TryGetValue(index, out var label)) sb.Append('<').Append(label).Append(">:\n");
                sb.Append(line).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Call sites whose relocation names an undefined symbol (kfuncs): index → symbol name.</summary>
    internal static Dictionary<int, string> ExternCallNames(ElfFile elf, ElfSection section)
    {
        var result = new Dictionary<int, string>();
        var symbols = elf.Symbols.ToDictionary(s => s.Index);
        var code = section.Data.Span;
        foreach (var rel in elf.Relocations.Where(r => r.TargetSectionIndex == section.Index))
            foreach (var entry in rel.Entries)
            {
                if (!symbols.TryGetValue(entry.SymbolIndex, out var sym) || !sym.IsUndefined) continue;
                var index = (int)(entry.Offset / Instruction.Size);
                if (Instruction.Decode(code[(index * Instruction.Size)..], elf.Endian).IsCall) result[index] = sym.Name;
            }
        return result;
    }

    [Theory]
    [MemberData(nameof(InstructionRoundTripTests.FixtureObjects), MemberType = typeof(InstructionRoundTripTests))]
    public void FixtureListing_MatchesGoldenFile(string name)
    {
        // Regenerate after an intended change: UPDATE_GOLDEN=1 dotnet test tests/CompatService.Engine.Tests --filter FixtureListing
        var golden = AsmFixtures.PathOf(Path.ChangeExtension(name, ".dis.txt"));
        var actual = Listing(AsmFixtures.Load(AsmFixtures.PathOf(name)));
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1") File.WriteAllText(golden, actual);
        Assert.True(File.Exists(golden), $"{golden} is missing: run with UPDATE_GOLDEN=1 to create it");
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [Fact]
    public void OpsFixtureListing_ShowsTheExternKfuncCallsByName()
    {
        var listing = Listing(AsmFixtures.Load(AsmFixtures.PathOf("ops.bpfel.o")));
        Assert.Contains("call bpf_rcu_read_lock", listing);
        Assert.Contains("call bpf_rcu_read_unlock", listing);
        Assert.Contains("lock *(u64 *)(r1 + 0) += r2", listing);
        Assert.Contains("r0 = *(u16 *)skb[14]", listing);
    }

    // ---------------------------------------------------------------- fixtures: agreement with llvm-objdump

    public static TheoryData<string> V3Objects() => new("ops.bpfel.o", "ops.bpfeb.o");
    public static TheoryData<string> V4Objects() => new("cpuv4.bpfel.o", "cpuv4.bpfeb.o");

    [LlvmObjdumpTheory]
    [MemberData(nameof(V3Objects))]
    public void CpuV3Fixture_EveryInstruction_ReadsAsLlvmObjdumpPrintsIt(string name) => AgreeWithObjdump(name);

    [LlvmObjdumpTheory(minVersion: 18)]
    [MemberData(nameof(V4Objects))]
    public void CpuV4Fixture_EveryInstruction_ReadsAsLlvmObjdumpPrintsIt(string name) => AgreeWithObjdump(name);

    private static void AgreeWithObjdump(string name)
    {
        var path = AsmFixtures.PathOf(name);
        var elf = AsmFixtures.Load(path);
        var plain = LlvmObjdump.Disassemble(path, alu32: false);
        var alu32 = LlvmObjdump.Disassemble(path, alu32: true);
        var mismatches = new List<string>();
        int compared = 0, total = 0;
        foreach (var section in AsmFixtures.CodeSections(elf))
        {
            var insns = AsmFixtures.Decode(elf, section);
            Assert.True(plain.TryGetValue(section.Name, out var llvm), $"llvm-objdump shows no section {section.Name}");
            for (var i = 0; i < insns.Length; i++)
            {
                if (i > 0 && insns[i - 1].IsLdImm64) continue; // second slot: no line of its own
                total++;
                var ours = Disassembler.Format(insns[i], i + 1 < insns.Length ? insns[i + 1] : null, i);
                var theirs = llvm.GetValueOrDefault(i, "(missing)");
                var theirsAlu32 = alu32[section.Name].GetValueOrDefault(i, "(missing)");
                if (theirs == LlvmObjdump.Unknown && theirsAlu32 == LlvmObjdump.Unknown) continue; // this LLVM does not know it
                compared++;
                if (ours != theirs && ours != theirsAlu32)
                    mismatches.Add($"{section.Name}:{i}: ours '{ours}', llvm-objdump '{theirs}' / alu32 '{theirsAlu32}'");
            }
        }
        Assert.Empty(mismatches);
        Assert.True(compared == total, $"LLVM {LlvmObjdump.Version} did not know {total - compared} of {total} instructions");
    }
}
