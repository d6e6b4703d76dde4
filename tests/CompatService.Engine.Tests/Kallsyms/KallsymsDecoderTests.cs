using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using static CompatService.Engine.Tests.Kallsyms.SyntheticKallsyms;

namespace CompatService.Engine.Tests.Kallsyms;

/// <summary>The decoder on synthetic blobs written in every layout scripts/kallsyms.c has used (runs on a fresh clone).</summary>
public class KallsymsDecoderTests
{
    private const ulong Text = 0xffffffff81000000;

    /// <summary>700 symbols (three markers), sorted by address, a few per-cpu ones first, one long name.</summary>
    private static List<Symbol> Symbols(bool percpu = false, bool longName = false)
    {
        var list = new List<Symbol>();
        if (percpu)
            for (var i = 0; i < 5; i++) list.Add(new Symbol('A', $"percpu_var_{i}", 0x1000UL * (ulong)i));
        list.Add(new Symbol('T', "_text", Text));
        for (var i = 0; i < 700; i++)
        {
            var (type, name) = (i % 4) switch
            {
                0 => ('T', $"bpf_task_helper_{i}"),
                1 => ('t', $"static_func_{i}"),
                2 => ('D', $"bpf_prog_active_{i}"),
                _ => ('d', $"runqueues_{i}"),
            };
            list.Add(new Symbol(type, name, Text + 0x10UL * (ulong)(i + 1)));
        }
        if (longName) list.Add(new Symbol('T', "a_very_long_symbol_" + string.Concat(Enumerable.Range(0, 40).Select(i => $"q{i * 7919 % 997}z")), Text + 0x100000));
        list.Add(new Symbol('D', "init_task", Text + 0x200000));
        list.Add(new Symbol('t', "dup_static", Text + 0x200010));
        list.Add(new Symbol('t', "dup_static", Text + 0x200020));
        return list;
    }

    public static TheoryData<Layout, Addresses, bool> Layouts => new()
    {
        { Layout.Before61, Addresses.Relative, false },
        { Layout.Before61, Addresses.AbsolutePercpu, false },
        { Layout.Before61, Addresses.Absolute, false },
        { Layout.Seqs61To63, Addresses.AbsolutePercpu, true },
        { Layout.Seqs61To63, Addresses.Relative, true },
        { Layout.From64, Addresses.Relative, true },
        { Layout.From64, Addresses.Absolute, true },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void EveryLayout_DecodesEveryNameTypeAndAddress(Layout layout, Addresses addresses, bool twoByte)
    {
        var symbols = Symbols(percpu: addresses == Addresses.AbsolutePercpu, longName: twoByte);
        var blob = Build(symbols, layout, addresses, twoByte);

        var table = KallsymsDecoder.TryDecode(blob, out var why);

        Assert.True(table is not null, why);
        Assert.Equal(symbols.Count, table.EntryCount);
        Assert.Equal(symbols.Count - 1, table.Count); // dup_static twice
        Assert.True(table.HasAddresses, table.Origin);
        foreach (var s in symbols.Where(s => s.Name != "dup_static"))
        {
            Assert.True(table.TryGet(s.Name, out var got), s.Name);
            Assert.Equal((s.Type, s.Address), (got.Type, got.Address!.Value));
            Assert.False(got.Ambiguous);
        }
        Assert.True(table.TryGet("dup_static", out var dup));
        Assert.True(dup.Ambiguous);
        Assert.Equal(Text + 0x200010, dup.Address);
        Assert.False(table.Contains("not_a_symbol"));
        Assert.Equal(layout == Layout.Seqs61To63, table.Origin.Contains("seqs_of_names", StringComparison.Ordinal));
    }

    [Fact]
    public void LongNames_NeedTwoByteLengths_AndOneByteLayoutsStillDecode()
    {
        var symbols = Symbols(longName: true);
        var longest = symbols.Max(s => s.Name.Length);
        Assert.True(longest > 200, "the long name must compress to more than 0x7f codes for the test to mean anything");

        var table = KallsymsDecoder.TryDecode(Build(symbols, Layout.From64, Addresses.Relative, twoByteLengths: true), out var why);

        Assert.True(table is not null, why);
        Assert.Contains(table.Symbols, s => s.Name.Length == longest);
    }

    [Fact]
    public void NoTables_IsNullWithTheReason()
    {
        var filler = new byte[64 * 1024];
        new Random(7).NextBytes(filler);
        Assert.Null(KallsymsDecoder.TryDecode(filler, out var why));
        Assert.Contains("CONFIG_KALLSYMS", why);
    }

    [Fact]
    public void TruncatedTables_AreNotFound_NeverHalfRead()
    {
        var blob = Build(Symbols(), Layout.Before61, Addresses.Relative, false, fillerAfter: 0);
        // Cut inside the token index: the digit tokens remain, nothing confirms them.
        var cut = blob.AsMemory(0, blob.Length - 100);
        Assert.Null(KallsymsDecoder.TryDecode(cut, out var why));
        Assert.Contains("token table", why);
    }

    [Fact]
    public void AMarkerThatDisagreesWithTheNames_IsNotTaken()
    {
        var (blob, at) = BuildWithOffsets(Symbols(), Layout.From64, Addresses.Relative, true);
        Assert.NotNull(KallsymsDecoder.TryDecode(blob, out _));
        blob[at["markers"] + 4] ^= 0x01; // the second marker: entry 256's offset into the names

        Assert.Null(KallsymsDecoder.TryDecode(blob, out var why));
        Assert.Contains("no names and markers", why);
    }

    [Fact]
    public void ANameLongerThanKsymNameLen_IsAFormatErrorWithItsOffset()
    {
        var symbols = Symbols();
        symbols.Add(new Symbol('T', new string('a', 1100), Text + 0x300000));
        var blob = Build(symbols, Layout.From64, Addresses.Relative, true);

        var e = Assert.Throws<BpfFormatException>(() => KallsymsDecoder.TryDecode(blob, out _));
        Assert.Contains("expands beyond 1024", e.Message);
        Assert.NotNull(e.Offset);
    }
}
