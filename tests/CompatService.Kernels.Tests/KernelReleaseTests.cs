using CompatService.Kernels;

namespace CompatService.Kernels.Tests;

public class KernelReleaseTests
{
    [Theory]
    [InlineData("6.1.0-56-amd64", "amd64")]
    [InlineData("6.1.0-56-cloud-amd64", "cloud-amd64")]
    [InlineData("6.1.0-56-rt-amd64", "rt-amd64")]
    [InlineData("6.12.117+deb13-arm64", "arm64")]
    [InlineData("6.12.117+deb13-rt-amd64", "rt-amd64")]
    [InlineData("7.2.13+deb14-cloud-amd64", "cloud-amd64")]
    [InlineData("6.18.44-fc-v669", "fc-v669")]
    [InlineData("6.8.0", null)]
    [InlineData(null, null)]
    public void Flavour_IsTheReleaseSuffix(string? release, string? flavour) => Assert.Equal(flavour, KernelRelease.Flavour(release));

    [Theory]
    [InlineData("vmlinuz-6.1.0-56-amd64", "6.1.0-56-amd64")]
    [InlineData("/boot/config-6.12.117+deb13-rt-amd64", "6.12.117+deb13-rt-amd64")]
    [InlineData("linux-image-6.1.0-56-cloud-amd64-unsigned_6.1.192-2_amd64.deb", "6.1.0-56-cloud-amd64")]
    [InlineData("linux-image-7.2.13+deb14-arm64_7.2.13-1_arm64.deb", "7.2.13+deb14-arm64")]
    [InlineData("Image.gz", null)]
    [InlineData("vmlinux.btf.gz", null)]
    public void FromFileName_FindsTheRelease(string file, string? release) => Assert.Equal(release, KernelRelease.FromFileName(file));
}
