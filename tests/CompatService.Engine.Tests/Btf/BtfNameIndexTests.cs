using CompatService.Engine.Btf;

namespace CompatService.Engine.Tests.Btf;

/// <summary>The name index finds every named type by its name, whatever the name's length or place in the string section.</summary>
public sealed class BtfNameIndexTests
{
    [Fact]
    public void EveryNamedTypeOfARealKernel_IsFoundByItsName()
    {
        var spec = BtfSpec.Parse(BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture61)));
        var named = 0;
        for (var id = spec.FirstTypeId; id <= spec.LastTypeId; id++)
        {
            var name = spec.NameOf(new(id));
            if (name.Length == 0) continue;
            named++;
            Assert.Contains(new BtfTypeId(id), spec.FindByName(name));
        }
        Assert.True(named > 50_000);
        Assert.Empty(spec.FindByName("definitely_not_a_kernel_symbol_name_at_all"));
        Assert.Empty(spec.FindByName(""));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("1234567")]
    [InlineData("12345678")]
    [InlineData("123456789")]
    [InlineData("exactly_thirty_one_bytes_long__")]
    [InlineData("exactly_thirty_two_bytes_long___")]
    [InlineData("a_much_longer_name_that_goes_beyond_forty_bytes_for_sure")]
    public void HashOfCString_EqualsHashOfBytes_AnywhereInTheTable(string name)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        foreach (var padBefore in new[] { 0, 1, 7, 40 })
            foreach (var padAfter in new[] { 0, 3, 64 })
            {
                var table = new byte[padBefore + bytes.Length + 1 + padAfter];
                bytes.CopyTo(table, padBefore);
                if (padAfter > 0) table.AsSpan(padBefore + bytes.Length + 1).Fill((byte)'x');
                table[^1] = 0;
                Assert.Equal(BtfNameIndex.Hash(bytes), BtfNameIndex.HashCString(table, padBefore));
            }
    }

    [Fact]
    public void BlobDenserInNamesThanKernelBtf_IsIndexedCompletely()
    {
        // 2000 named FWDs of 12 bytes each: one name per 12 bytes, far denser than the table's initial estimate.
        var b = new BtfBuilder();
        for (var i = 0; i < 2000; i++) b.Fwd($"s{i}");
        var spec = b.Parse();
        for (var i = 0; i < 2000; i++) Assert.Equal([new BtfTypeId((uint)i + 1)], spec.FindByName($"s{i}"));
    }
}

/// <summary>The name index built on a second core during the scan equals the one built inline.</summary>
public sealed class BtfNameIndexOverflowTests
{
    [Fact]
    public void DenseNames_MoreThanTheTableWasSizedFor_IndexIsRebuilt()
    {
        var b = new BtfBuilder();
        for (var i = 0; i < 30000; i++) b.Fwd($"n{i}");
        var spec = BtfSpec.Parse(b.Build());
        Assert.Equal([new BtfTypeId(12345)], spec.FindByName("n12344"));
        Assert.Equal(30000, spec.TypeCount);
    }
}

/// <summary>The scan's packed size constants say what the per-kind tables say (they are written out as literals).</summary>
public sealed class BtfTypeScannerConstantTests
{
    [Fact]
    public void PackedConstants_EqualThePackedTables()
    {
        Assert.Equal(BtfTypeScanner.PackedFixed, BtfTypeScanner.Pack(BtfTypeScanner.FixedExtraTable));
        Assert.Equal(BtfTypeScanner.PackedPerVlen, BtfTypeScanner.Pack(BtfTypeScanner.PerVlenTable));
        Assert.Equal(BtfTypeScanner.ValidKinds, BtfTypeScanner.ValidMask());
    }
}
