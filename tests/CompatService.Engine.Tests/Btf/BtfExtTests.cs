using System.Text.Json;
using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Btf;

/// <summary>.BTF.ext: func_info, line_info and core_relo per section, record sizes from the header, both byte orders.</summary>
public sealed class BtfExtTests
{
    private static (BtfSpec Btf, uint Text, uint Xdp, uint Func, uint Line, uint File, uint Access) SmallBtf(bool bigEndian)
    {
        var b = new BtfBuilder();
        var i = b.Int("int", 4, signed: true);
        var f = b.Func("prog", b.FuncProto(i));
        var text = b.Str(".text");
        var xdp = b.Str("xdp");
        var file = b.Str("/src/prog.c");
        var line = b.Str("\treturn XDP_PASS;");
        var access = b.Str("0:1");
        return (b.Parse(bigEndian), text, xdp, f, line, file, access);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RecordsAreReadPerSection_InBothByteOrders(bool bigEndian)
    {
        var (btf, text, xdp, func, line, file, access) = SmallBtf(bigEndian);
        var raw = new BtfExtBuilder()
            .Func(xdp, [0, func], [64, func])
            .Func(text, [8, func])
            .Line(xdp, [0, file, line, (12u << 10) | 5])
            .Core(xdp, [16, 1, access, 0])
            .Build(bigEndian);
        var ext = BtfExt.Parse(raw, btf);

        Assert.Equal(bigEndian, ext.Endian.IsBig);
        Assert.Equal(8u, ext.FuncInfoRecordSize);
        Assert.Equal(16u, ext.LineInfoRecordSize);
        Assert.Equal(16u, ext.CoreReloRecordSize);
        Assert.Equal([new BtfFuncInfo(0, new(func)), new BtfFuncInfo(64, new(func))], ext.FuncInfos["xdp"]);
        Assert.Equal([new BtfFuncInfo(8, new(func))], ext.FuncInfos[".text"]);
        var li = Assert.Single(ext.LineInfos["xdp"]);
        Assert.Equal((12u, 5u), (li.Line, li.Column));
        Assert.Equal("\treturn XDP_PASS;", ext.LineText(li));
        Assert.Equal("/src/prog.c", ext.FileName(li));
        Assert.Equal(new BtfCoreRelo(16, new(1), "0:1", 0), Assert.Single(ext.CoreRelos["xdp"]));
    }

    [Fact]
    public void LargerRecordSizes_AreHonoured_AndHeaderWithoutCoreFieldsAccepted()
    {
        var (btf, _, xdp, func, line, file, _) = SmallBtf(false);
        var raw = new BtfExtBuilder { FuncRecordSize = 12, LineRecordSize = 20 }
            .Func(xdp, [0, func, 0xdead], [24, func, 0xbeef])
            .Line(xdp, [0, file, line, 1u << 10, 7])
            .Build(withCore: false);
        var ext = BtfExt.Parse(raw, btf);
        Assert.Equal(24u, ext.HeaderLength);
        Assert.Equal(12u, ext.FuncInfoRecordSize);
        Assert.Equal(new BtfFuncInfo(24, new(func)), ext.FuncInfos["xdp"][1]);
        Assert.Equal(1u, ext.LineInfos["xdp"][0].Line);
        Assert.Empty(ext.CoreRelos);
    }

    [Fact]
    public void Malformed_RecordSizeTooSmall_CountTooLarge_NameOutOfRange_Throw()
    {
        var (btf, _, xdp, func, _, _, _) = SmallBtf(false);
        var small = new BtfExtBuilder { FuncRecordSize = 4 }.Func(xdp, [0], [8]).Build();
        Assert.Contains("record size 4", Assert.Throws<BpfFormatException>(() => BtfExt.Parse(small, btf)).Message);

        var raw = new BtfExtBuilder().Func(xdp, [0, func]).Build();
        var tooMany = (byte[])raw.Clone();
        BitConverter.TryWriteBytes(tooMany.AsSpan(32 + 8), 1000u); // num_info of the first group
        var ex = Assert.Throws<BpfFormatException>(() => BtfExt.Parse(tooMany, btf));
        Assert.Equal(".BTF.ext", ex.Section);

        var badName = (byte[])raw.Clone();
        BitConverter.TryWriteBytes(badName.AsSpan(32 + 4), 99999u);
        Assert.Contains("section name offset", Assert.Throws<BpfFormatException>(() => BtfExt.Parse(badName, btf)).Message);

        for (var cut = 0; cut < raw.Length; cut++)
        {
            try { BtfExt.Parse(raw.AsMemory(0, cut), btf); }
            catch (BpfFormatException) { }
        }
    }

    public static TheoryData<string> CorpusObjects()
    {
        var data = new TheoryData<string>();
        if (TestPaths.HasCorpus)
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "objects", "manifest.json")));
            foreach (var o in doc.RootElement.GetProperty("objects").EnumerateArray())
                if (o.GetProperty("has_btf_ext").GetBoolean()) data.Add(o.GetProperty("file").GetString()!);
        }
        if (data.Count == 0) data.Add("none");
        return data;
    }

    [CorpusTheory]
    [MemberData(nameof(CorpusObjects))]
    public void CorpusObject_BtfAndBtfExt_MatchTheManifest(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "objects", "manifest.json")));
        var entry = doc.RootElement.GetProperty("objects").EnumerateArray().First(o => o.GetProperty("file").GetString() == file);
        var elf = ElfFile.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "objects", file)));
        var btf = BtfSpec.Parse(elf.FindSection(".BTF")!.Data);
        if (entry.TryGetProperty("btf_types", out var types)) Assert.Equal(types.GetInt32(), btf.TypeCount);
        btf.Validate();
        var ext = BtfExt.Parse(elf.FindSection(".BTF.ext")!.Data, btf);

        var expected = entry.GetProperty("btf_ext");
        AssertCounts(expected.GetProperty("func_info"), ext.FuncInfos.ToDictionary(kv => kv.Key, kv => kv.Value.Count));
        AssertCounts(expected.GetProperty("line_info"), ext.LineInfos.ToDictionary(kv => kv.Key, kv => kv.Value.Count));
        AssertCounts(expected.GetProperty("core_relo"), ext.CoreRelos.ToDictionary(kv => kv.Key, kv => kv.Value.Count));
        foreach (var infos in ext.FuncInfos.Values)
            foreach (var fi in infos)
                Assert.Equal(BtfKind.Func, btf.KindOf(fi.TypeId));
        foreach (var infos in ext.LineInfos.Values)
            foreach (var li in infos)
                _ = ext.LineText(li);
    }

    private static void AssertCounts(JsonElement expected, Dictionary<string, int> actual)
    {
        var want = expected.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(want.OrderBy(kv => kv.Key, StringComparer.Ordinal), actual.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }
}
