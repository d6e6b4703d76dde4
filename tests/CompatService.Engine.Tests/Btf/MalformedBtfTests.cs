using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Tests.Btf;

/// <summary>Truncated and bit-flipped real BTF: only BpfFormatException may escape parsing and touching every type.</summary>
public sealed class MalformedBtfTests
{
    private const int Seed = 20261125;

    /// <summary>Parses, then decodes, names, kinds and formats every type; returns whether the blob was accepted.</summary>
    private static bool ParseAndTouchEverything(byte[] blob, BtfSpec? baseSpec = null)
    {
        try
        {
            var spec = BtfSpec.Parse(blob, baseSpec);
            for (var id = spec.FirstTypeId; id <= spec.LastTypeId; id++)
            {
                try
                {
                    var t = spec.GetType(new(id));
                    _ = spec.NameOf(t.Id);
                    _ = spec.KindOf(t.Id);
                    _ = spec.DeclTagsOf(t.Id);
                    if (t is BtfFunc or BtfFuncProto)
                    {
                        _ = BtfFormatter.FormatType(spec, t.Id);
                        _ = BtfCompatibility.AreCompatible(spec, t.Id, spec, t.Id);
                    }
                }
                catch (BpfFormatException) { }
            }
            _ = spec.FuncsWithDeclTag("bpf_kfunc");
            _ = spec.FindFunc("bpf_task_acquire");
            return true;
        }
        catch (BpfFormatException e)
        {
            Assert.False(string.IsNullOrEmpty(e.Reason));
            return false;
        }
    }

    [Fact]
    public void TruncatedVmlinux_AtManyOffsets_OnlyFormatExceptions()
    {
        var raw = (byte[])BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture61)).Clone();
        var random = new Random(Seed);
        var cuts = Enumerable.Range(0, 64).Concat(Enumerable.Range(0, 200).Select(_ => random.Next(raw.Length))).Append(raw.Length - 1);
        foreach (var cut in cuts)
            Assert.False(ParseAndTouchEverything(raw[..cut]), $"truncation at {cut} accepted");
    }

    [Fact]
    public void BitFlippedVmlinuxHeaderAndTypes_OnlyFormatExceptions()
    {
        // A private copy: the cached blob is shared with tests running in parallel.
        var raw = (byte[])BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture61)).Clone();
        var typeLen = BitConverter.ToInt32(raw, 12);
        var random = new Random(Seed);
        var accepted = 0;
        // Every header bit, then flips in the type section (where parsing succeeds, every type is touched).
        for (var bit = 0; bit < 24 * 8; bit++) accepted += Flip(raw, bit / 8, bit % 8, null) ? 1 : 0;
        for (var i = 0; i < 40; i++) accepted += Flip(raw, 24 + random.Next(typeLen), random.Next(8), null) ? 1 : 0;
        Assert.True(accepted > 0);
    }

    [Fact]
    public void BitFlippedAndTruncatedModule_OnlyFormatExceptions()
    {
        var dir = BtfTestData.FixtureDir(BtfTestData.Fixture72);
        var vmlinux = BtfSpec.Parse(BtfTestData.RawVmlinux(dir));
        var module = BtfTestData.Gunzip(Path.Combine(dir, "modules", "nf_conntrack.btf.gz"));
        var random = new Random(Seed);
        for (var i = 0; i < 400; i++) Flip(module, random.Next(module.Length), random.Next(8), vmlinux);
        for (var i = 0; i < 150; i++) ParseAndTouchEverything(module[..random.Next(module.Length)], vmlinux);
    }

    [Fact]
    public void BitFlippedSmallBlob_EveryBit_OnlyFormatExceptions()
    {
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4, signed: true);
        var s = b.Struct("s", 8, ("a", i32, 0, 0), ("b", i32, 32, 3));
        var p = b.Ptr(s);
        var f = b.Func("f", b.FuncProto(p, ("x", p), ("", 0)));
        b.DeclTag("bpf_kfunc", f);
        b.Enum64("e", 8, true, ("A", -5));
        foreach (var bigEndian in new[] { false, true })
        {
            var blob = b.Build(bigEndian);
            for (var bit = 0; bit < blob.Length * 8; bit++) Flip(blob, bit / 8, bit % 8, null);
        }
    }

    [Fact]
    public void KernelReader_MalformedGzipAndElf_OnlyFormatExceptions()
    {
        var gz = File.ReadAllBytes(Path.Combine(BtfTestData.FixtureDir(BtfTestData.Fixture72), "modules", "nf_conntrack.btf.gz"));
        var random = new Random(Seed);
        for (var i = 0; i < 100; i++)
        {
            var copy = (byte[])gz.Clone();
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
            try { KernelBtfReader.ExtractRawBtf(copy); } catch (BpfFormatException) { }
            try { KernelBtfReader.ExtractRawBtf(gz.AsMemory(0, random.Next(gz.Length))); } catch (BpfFormatException) { }
        }
        Assert.Throws<BpfFormatException>(() => KernelBtfReader.ExtractRawBtf(new byte[] { 1, 2, 3 }));
        Assert.Throws<BpfFormatException>(() => KernelBtfReader.ExtractRawBtf(ReadOnlyMemory<byte>.Empty));
    }

    private static bool Flip(byte[] data, int offset, int bit, BtfSpec? baseSpec)
    {
        data[offset] ^= (byte)(1 << bit);
        try { return ParseAndTouchEverything(data, baseSpec); }
        finally { data[offset] ^= (byte)(1 << bit); }
    }
}
