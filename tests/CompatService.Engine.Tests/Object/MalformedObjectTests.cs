using CompatService.Engine.Binary;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Object;

/// <summary>Truncated and bit-flipped objects: the engine throws only its own format exception, never anything else.</summary>
public sealed class MalformedObjectTests
{
    private static readonly int FlipCount = int.TryParse(Environment.GetEnvironmentVariable("COMPAT_FUZZ_FLIPS"), out var n) ? n : 200;

    public static TheoryData<string> Fixtures()
    {
        var d = new TheoryData<string>();
        foreach (var f in TestData.FixtureNames()) { d.Add(f + ".bpfel"); d.Add(f + ".bpfeb"); }
        return d;
    }

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void TruncatedOrBitFlippedObject_ThrowsOnlyBpfFormatException(string fixture)
    {
        var dot = fixture.LastIndexOf('.');
        var bytes = File.ReadAllBytes(TestData.FixturePath(fixture[..dot], fixture[(dot + 1)..]));
        var rng = new Random(StableSeed(fixture));
        var kernel = TestData.Kernel(TestData.FixtureKernelDir("debian-7.2.13+deb14-amd64")).Btf;
        var cuts = Enumerable.Range(0, 40).Select(_ => rng.Next(bytes.Length)).Append(0).Append(bytes.Length - 1);
        foreach (var cut in cuts) Survive(bytes.AsSpan(0, cut).ToArray(), kernel, $"truncated at {cut}");
        for (var i = 0; i < FlipCount; i++)
        {
            var copy = (byte[])bytes.Clone();
            var at = rng.Next(copy.Length);
            copy[at] ^= (byte)(1 << rng.Next(8));
            Survive(copy, kernel, $"bit flip at 0x{at:x}");
        }
    }

    /// <summary>string.GetHashCode is randomised per process; a failure must be reproducible.</summary>
    private static int StableSeed(string s) => s.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0x7fffffff;

    private static void Survive(byte[] bytes, Kernels.KernelBtfSet kernel, string what)
    {
        try
        {
            var obj = BpfObject.Parse(bytes);
            CompatEngine.Inspect(obj);
            CompatEngine.Check(obj, kernel, "k");
        }
        catch (BpfFormatException e)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Reason), what);
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name} escaped: {e.Message}\n{e.StackTrace}");
        }
    }

    [Fact]
    public void NotAnElf_IsReportedWithOffset()
    {
        var e = Assert.Throws<BpfFormatException>(() => BpfObject.Parse(new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Equal(0, e.Offset);
        Assert.Contains("ELF", e.Message);
    }

    [Fact]
    public void EmptyInput_IsAFormatError() => Assert.Throws<BpfFormatException>(() => BpfObject.Parse(Array.Empty<byte>()));
}
