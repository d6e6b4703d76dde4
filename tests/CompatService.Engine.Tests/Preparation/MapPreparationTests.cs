using CompatService.Engine.Object;
using CompatService.Engine.Preparation;

namespace CompatService.Engine.Tests.Preparation;

/// <summary>Map sizes as BPF_MAP_CREATE gets them (libbpf map_set_def_max_entries, adjust_ringbuf_sz; the agent's --size-maps).</summary>
public sealed class MapPreparationTests
{
    private static BpfMap Map(uint type, uint maxEntries, uint valueSize = 8) => new()
    {
        Name = "m", Origin = MapOrigin.BtfDefined, SectionName = ".maps", SectionIndex = 1,
        Definition = new(type, 4, valueSize, maxEntries),
    };

    private static readonly MapSizingHost Host = new(PossibleCpus: 6, PageSize: 4096);

    [Fact]
    public void PerfEventArray_WithoutMaxEntries_GetsOnePerPossibleCpu_GivenOnesAreKept()
    {
        Assert.Equal((6u, 8u), MapPreparation.Size(Map(MapPreparation.MapTypePerfEventArray, 0), Host));
        Assert.Equal((2u, 8u), MapPreparation.Size(Map(MapPreparation.MapTypePerfEventArray, 2), Host));
    }

    [Theory]
    [InlineData(0u, 4096u)]
    [InlineData(4096u, 4096u)]
    [InlineData(5000u, 8192u)]
    [InlineData(3u * 4096, 4u * 4096)]
    public void Ringbuf_IsRoundedToAPowerOfTwoPages(uint given, uint expected) =>
        Assert.Equal(expected, MapPreparation.Size(Map(MapPreparation.MapTypeRingbuf, given), Host).MaxEntries);

    [Fact]
    public void UnsizedMaps_AreSizedOnlyWhenAsked_StackTraceGetsItsFrames()
    {
        var hash = Map(1, 0);
        var stack = Map(MapPreparation.MapTypeStackTrace, 0, valueSize: 0);
        Assert.Equal((0u, 8u), MapPreparation.Size(hash, Host));
        Assert.Equal((0u, 0u), MapPreparation.Size(stack, Host));
        var sizing = Host with { UnsizedMaxEntries = 3 };
        Assert.Equal((3u, 8u), MapPreparation.Size(hash, sizing));
        Assert.Equal((3u, MapPreparation.StackTraceValueSize), MapPreparation.Size(stack, sizing));
        Assert.Equal((6u, 8u), MapPreparation.Size(Map(MapPreparation.MapTypePerfEventArray, 0), sizing)); // CPUs first
    }
}
