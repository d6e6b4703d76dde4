using CompatService.Api.Matrix;

namespace CompatService.Api.Tests.Matrix;

/// <summary>Release filters on named kernels and on unnamed kernels known only by the bound their BPF surface proves.</summary>
public class ReleaseOrderTests
{
    [Theory]
    [InlineData("6.12.117+deb13-amd64", "6.12", null, true)]      // min 6.12 admits every 6.12.x
    [InlineData("6.1.0-56-amd64", "6.2", null, false)]
    [InlineData("6.1.0-56-amd64", null, "6.1", true)]              // max 6.1 admits every 6.1.x
    [InlineData("6.12.3", null, "6.12.2", false)]
    public void NamedKernel_ComparesItsRelease(string release, string? min, string? max, bool inside) =>
        Assert.Equal(inside, ReleaseOrder.InRange(release, null, min, max));

    [Theory]
    [InlineData("≥6.1 <6.12", "6", null, true)]      // a 6.x below 6.12 may well be ≥ 6 (was dropped: compared on min's length)
    [InlineData("≥6.1 <6.12", "6.12", null, false)]  // proven below 6.12
    [InlineData("≥6.1 <6.12", "6.11.9", null, true)]
    [InlineData("≥6.1 <6.12", null, "6", true)]      // max 6 admits every 6.x
    [InlineData("≥6.1 <6.12", null, "6.0", false)]   // proven ≥ 6.1
    [InlineData("≥7.3", "5.10", "6.18", false)]
    [InlineData("<5.10", "5.10", null, false)]
    [InlineData("<5.10", null, "5.4", true)]
    [InlineData("garbage", "6.1", "6.2", true)]      // no bound: never silently dropped
    public void UnnamedKernel_IsLeftOutOnlyWhenItsBoundProvesItOutside(string bound, string? min, string? max, bool inside) =>
        Assert.Equal(inside, ReleaseOrder.InRange(null, bound, min, max));
}
