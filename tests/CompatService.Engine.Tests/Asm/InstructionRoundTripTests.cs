using CompatService.Engine.Asm;
using CompatService.Engine.Binary;
using CompatService.Tests.Shared;
using CsCheck;

namespace CompatService.Engine.Tests.AsmTests;

public class InstructionRoundTripTests
{
    public static TheoryData<string> FixtureObjects() => new(AsmFixtures.Objects);

    [Theory]
    [MemberData(nameof(FixtureObjects))]
    public void FixtureCodeSections_DecodeThenEncode_IsByteIdentical(string name)
    {
        var elf = AsmFixtures.Load(AsmFixtures.PathOf(name));
        Assert.Equal(name.Contains("bpfeb") ? Endian.Big : Endian.Little, elf.Endian);
        var sections = AsmFixtures.CodeSections(elf).ToList();
        Assert.NotEmpty(sections);
        foreach (var section in sections)
        {
            var insns = AsmFixtures.Decode(elf, section);
            Assert.Equal(section.Data.ToArray(), Instruction.EncodeAll(insns, elf.Endian));
        }
    }

    [Theory]
    [InlineData("ops")]
    [InlineData("cpuv4")]
    public void LittleAndBigEndianBuildsOfOneSource_DecodeToTheSameInstructions(string source)
    {
        var el = AsmFixtures.Load(AsmFixtures.PathOf(source + ".bpfel.o"));
        var eb = AsmFixtures.Load(AsmFixtures.PathOf(source + ".bpfeb.o"));
        var elCode = AsmFixtures.CodeSections(el).ToDictionary(s => s.Name, s => AsmFixtures.Decode(el, s));
        var ebCode = AsmFixtures.CodeSections(eb).ToDictionary(s => s.Name, s => AsmFixtures.Decode(eb, s));
        Assert.Equal(elCode.Keys.Order(), ebCode.Keys.Order());
        foreach (var (name, insns) in elCode)
        {
            // Register nibbles swap places between the byte orders; decoding must undo that, so the two builds
            // agree instruction by instruction (ld_imm64 halves included). The one real difference: a byte
            // swap is `be` on a little-endian target and `le` on a big-endian one (ALU|END's source bit).
            var big = ebCode[name].Select(i => i.IsAlu && i.IsEndian ? i with { OpCode = (byte)(i.OpCode ^ Opcodes.ToBe) } : i);
            Assert.Equal(insns, big);
        }
    }

    [Fact]
    public void BigEndianRegisterByte_PutsDstInTheHighNibble()
    {
        var insn = new Instruction(0xbf, 1, 6, 0, 0); // r1 = r6
        var le = new byte[8];
        var be = new byte[8];
        insn.Encode(le, Endian.Little);
        insn.Encode(be, Endian.Big);
        Assert.Equal(0x61, le[1]);
        Assert.Equal(0x16, be[1]);
        Assert.Equal(insn, Instruction.Decode(be, Endian.Big));
    }

    [Fact]
    public void DecodeAll_RejectsCodeThatIsNotAMultipleOfEight_WithSectionAndOffset()
    {
        var ex = Assert.Throws<BpfFormatException>(() => Instruction.DecodeAll(new byte[12], Endian.Little, "xdp"));
        Assert.Equal("xdp", ex.Section);
        Assert.Equal(12, ex.Offset);
    }

    private static readonly Gen<Instruction> GenInstruction =
        Gen.Select(Gen.Byte, Gen.Byte[0, 15], Gen.Byte[0, 15], Gen.Short, Gen.Int,
            (op, dst, src, off, imm) => new Instruction(op, dst, src, off, imm));

    [Fact]
    public void RandomInstructions_EncodeThenDecode_RoundTripInBothByteOrders()
    {
        GenInstruction.Sample(insn =>
        {
            Span<byte> slot = stackalloc byte[8];
            foreach (var endian in new[] { Endian.Little, Endian.Big })
            {
                insn.Encode(slot, endian);
                if (Instruction.Decode(slot, endian) != insn) return false;
            }
            return true;
        }, iter: 20_000);
    }

    [Fact]
    public void RandomSlots_DecodeThenEncode_ReproduceTheBytesInBothByteOrders()
    {
        Gen.Byte.Array[8].Sample(bytes =>
        {
            Span<byte> back = stackalloc byte[8];
            foreach (var endian in new[] { Endian.Little, Endian.Big })
            {
                Instruction.Decode(bytes, endian).Encode(back, endian);
                if (!back.SequenceEqual(bytes)) return false;
            }
            return true;
        }, iter: 20_000);
    }

    [Fact]
    public void RandomPrograms_EncodeAllThenDecodeAll_RoundTrip()
    {
        GenInstruction.Array[0, 64].Sample(insns =>
        {
            foreach (var endian in new[] { Endian.Little, Endian.Big })
                if (!Instruction.DecodeAll(Instruction.EncodeAll(insns, endian), endian).SequenceEqual(insns)) return false;
            return true;
        }, iter: 2_000);
    }

    // ---- real objects from Debian packages ----

    public static TheoryData<string> CorpusObjects()
    {
        var data = new TheoryData<string>();
        var root = Path.Combine(TestPaths.Corpus, "objects");
        if (!Directory.Exists(root)) { data.Add("(corpus absent)"); return data; }
        foreach (var file in Directory.EnumerateFiles(root, "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(root, file));
        return data;
    }

    [CorpusTheory]
    [MemberData(nameof(CorpusObjects))]
    public void CorpusObject_EveryCodeSection_DecodesAndEncodesByteForByte(string relativePath)
    {
        var elf = AsmFixtures.Load(Path.Combine(TestPaths.Corpus, "objects", relativePath));
        foreach (var section in AsmFixtures.CodeSections(elf))
        {
            var bytes = section.Data.Span;
            Assert.True(bytes.Length % Instruction.Size == 0, $"{section.Name}: {bytes.Length} bytes");
            var insns = Instruction.DecodeAll(bytes, elf.Endian, section.Name);
            Assert.True(bytes.SequenceEqual(Instruction.EncodeAll(insns, elf.Endian)), $"section {section.Name} of {relativePath} does not round-trip");
        }
    }

    [CorpusFact]
    public void Corpus_HasObjectsWithCode_SoTheRoundTripTheoryIsNotVacuous()
    {
        var root = Path.Combine(TestPaths.Corpus, "objects");
        var objects = Directory.EnumerateFiles(root, "*.o", SearchOption.AllDirectories).ToList();
        Assert.True(objects.Count >= 150, $"only {objects.Count} objects");
        var instructions = objects.Sum(p =>
        {
            var elf = AsmFixtures.Load(p);
            return AsmFixtures.CodeSections(elf).Sum(s => (long)s.Size / Instruction.Size);
        });
        Assert.True(instructions > 40_000, $"only {instructions} instructions");
    }
}
