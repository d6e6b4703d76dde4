using CompatService.Engine.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests;

/// <summary>
/// Issue 12 item 4: what a nameless kernel's BTF proves. The architecture read from <c>struct pt_regs</c> must equal the
/// one its directory names, and the helper bound must contain the kernel's real release on every kernel we have
/// (the in-repo fixture kernels always, the 16 corpus kernels where the corpus is present).
/// </summary>
public sealed class KernelIdentityTests
{
    public static TheoryData<string> FixtureKernels() => new(Directory.EnumerateDirectories(Path.Combine(TestPaths.Fixtures, "kernels")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);

    public static TheoryData<string> CorpusKernels() => TestPaths.HasCorpus ? new(TestData.CorpusKernelDirs()) : new() { "(no corpus)" };

    [Theory]
    [MemberData(nameof(FixtureKernels))]
    public void FixtureKernel_ArchAndBoundMatchItsName(string dir) => AssertIdentity(dir, TestData.FixtureKernelDir(dir));

    [CorpusTheory]
    [MemberData(nameof(CorpusKernels))]
    public void CorpusKernel_ArchAndBoundMatchItsName(string dir) => AssertIdentity(dir, TestData.CorpusKernelDir(dir));

    [Fact]
    public void Bound_RoundTripsThroughItsText()
    {
        var b = new VersionBound(new Version(6, 1), new Version(6, 12));
        Assert.Equal("≥6.1 <6.12", b.ToString());
        Assert.Equal(b, VersionBound.Parse(b.ToString()));
        Assert.Equal(new VersionBound(null, new Version(5, 10)), VersionBound.Parse("<5.10"));
        Assert.Null(VersionBound.Parse("6.1"));
        Assert.True(b.MayBeAtLeast(new Version(6, 5)));
        Assert.False(b.MayBeAtLeast(new Version(6, 12)));
        Assert.False(b.MayBeAtMost(new Version(6, 0)));
    }

    private static void AssertIdentity(string dir, string path)
    {
        var kernel = TestData.Kernel(path).Btf;
        var expectedArch = dir.Contains("arm64", StringComparison.Ordinal) ? "arm64" : "amd64";
        Assert.Equal(expectedArch, KernelIdentity.InferArch(kernel.Vmlinux));

        var m = System.Text.RegularExpressions.Regex.Match(dir, @"-(\d+)\.(\d+)\.");
        Assert.True(m.Success, dir);
        var release = new Version(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        var bound = KernelIdentity.Bound(kernel);
        Assert.NotNull(bound);
        Assert.True(bound.AtLeast is not null || bound.Below is not null, $"{dir}: an empty bound");
        Assert.True(bound.MayBeAtLeast(release) && bound.MayBeAtMost(release), $"{dir} ({release}) lies outside its bound {bound}");
    }
}
