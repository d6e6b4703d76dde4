using CompatService.Engine.Linking;

namespace CompatService.Engine.Tests.Linking;

/// <summary>LINUX_KERNEL_VERSION as libbpf computes it from the release string.</summary>
public class KconfigValuesTests
{
    [Theory]
    [InlineData("6.18.44-fc-v509", (6u << 16) | (18u << 8) | 44u)]
    [InlineData("5.15.300", (5u << 16) | (15u << 8) | 255u)]
    [InlineData("7.2.13+deb14-amd64", (7u << 16) | (2u << 8) | 13u)]
    public void KernelVersionCode_MatchesKernelVersionMacro(string release, uint expected) =>
        Assert.Equal(expected, KconfigValues.VersionCode(release));
}
