using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Tests.Kallsyms;

public class KallsymsTableTests
{
    private static KallsymsTable Sample() => KallsymsTable.Build(
    [
        ("runqueues", 'D', 0x2000UL), ("_stext", 'T', 0xffffffff81000000UL), ("dup", 't', 0x10UL), ("dup", 't', 0x20UL),
        ("same", 'd', 0x30UL), ("same", 'd', 0x30UL), ("bpf_prog_active", 'A', 0x1000UL),
    ], "test");

    [Fact]
    public void Lookup_FirstEntryWins_AmbiguousOnlyWhenAddressesDiffer()
    {
        var t = Sample();
        Assert.Equal(5, t.Count);
        Assert.Equal(7, t.EntryCount);
        Assert.True(t.TryGet("dup", out var dup) && dup.Ambiguous && dup.Address == 0x10);
        Assert.True(t.TryGet("same", out var same) && !same.Ambiguous);
        Assert.True(t.TryGet("runqueues", out var rq) && rq.Type == 'D');
        Assert.False(t.Contains("runqueue"));
        Assert.False(t.Contains(""));
        Assert.False(t.Contains("ünïcode"));
    }

    [Fact]
    public void StoredForm_RoundTripsNamesTypesAndAmbiguity_WithoutAddresses()
    {
        var t = Sample();
        var back = KallsymsTable.Parse(t.Serialize());
        Assert.Equal(t.Symbols.Select(s => (s.Name, s.Type, s.Ambiguous)), back.Symbols.Select(s => (s.Name, s.Type, s.Ambiguous)));
        Assert.Equal(t.EntryCount, back.EntryCount);
        Assert.False(back.HasAddresses);
        Assert.Equal("stored", back.Origin);
    }

    [Theory]
    [InlineData("not kallsyms\nT a\n")]
    [InlineData("kallsyms v1 2\nT b\nT a\n")]
    [InlineData("kallsyms v1 2\nT\n")]
    public void StoredForm_Malformed_IsAFormatError(string text)
    {
        Assert.Throws<BpfFormatException>(() => KallsymsTable.Parse(System.Text.Encoding.ASCII.GetBytes(text)));
    }
}
