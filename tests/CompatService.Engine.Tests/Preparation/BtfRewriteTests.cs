using CompatService.Engine.Preparation;

namespace CompatService.Engine.Tests.Preparation;

public class BtfRewriteTests
{
    private static RawBtf Sample(out (uint Int, uint Var, uint Sec, uint Proto, uint Func, uint Float, uint Tag, uint TypeTag, uint Enum64) ids)
    {
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        var v = b.Var("counter", i);
        var sec = b.Datasec(".data", 4, (v, 0, 4));
        var proto = b.FuncProto(i, ("x", i));
        var f = b.Func("f", proto, 1);
        var fl = b.Float("double", 8);
        var tag = b.DeclTag("tag", v);
        var tt = b.TypeTag("user", i);
        var e = b.Enum64("big", 8, ("A", 1UL << 40));
        ids = (i, v, sec, proto, f, fl, tag, tt, e);
        return RawBtf.Parse(b.Build());
    }

    [Fact]
    public void RoundTrip_IsByteExact()
    {
        var b = new BtfBuilder();
        b.Struct("s", 8, ("a", b.Int("long", 8), 0));
        var raw = b.Build();
        Assert.Equal(raw, RawBtf.Parse(raw).ToArray());
    }

    [Fact]
    public void Sanitizer_AllFeatures_ChangesNothing()
    {
        var btf = Sample(out _);
        var before = btf.ToArray();
        Assert.Equal(0, BtfSanitizer.Sanitize(btf, KernelBtfFeatures.All));
        Assert.Equal(before, btf.ToArray());
    }

    [Fact]
    public void Sanitizer_OldKernel_ReplacesEveryUnsupportedKindLikeLibbpf()
    {
        var btf = Sample(out var ids);
        BtfSanitizer.Sanitize(btf, KernelBtfFeatures.None);
        Assert.Equal(RawBtfKind.Int, btf.Kind(ids.Var));
        Assert.Equal(RawBtfKind.Struct, btf.Kind(ids.Sec));
        Assert.Equal("_data", btf.Name(ids.Sec));
        Assert.Equal((btf.NameOff(ids.Var), ids.Var, 0u), (btf.Word(ids.Sec, 0), btf.Word(ids.Sec, 1), btf.Word(ids.Sec, 2))); // member: the var name, the (now INT) var as type, bit offset (libbpf)
        Assert.Equal(RawBtfKind.Enum, btf.Kind(ids.Proto));
        Assert.Equal(RawBtfKind.Typedef, btf.Kind(ids.Func));
        Assert.Equal(RawBtfKind.Struct, btf.Kind(ids.Float));
        Assert.Equal(RawBtfKind.Int, btf.Kind(ids.Tag));
        Assert.Equal(RawBtfKind.Const, btf.Kind(ids.TypeTag));
        Assert.Equal(RawBtfKind.Union, btf.Kind(ids.Enum64));
        var placeholder = btf.Word(ids.Enum64, 1);
        Assert.Equal("enum64_placeholder", btf.Name(placeholder));
        RawBtf.Parse(btf.ToArray()); // still well-formed
    }

    [Fact]
    public void Sanitizer_OnlyGlobalFuncMissing_MakesFuncsStatic()
    {
        var btf = Sample(out var ids);
        BtfSanitizer.Sanitize(btf, KernelBtfFeatures.All with { FuncGlobal = false });
        Assert.Equal(RawBtfKind.Func, btf.Kind(ids.Func));
        Assert.Equal(0, btf.Vlen(ids.Func));
        Assert.Equal(RawBtfKind.Var, btf.Kind(ids.Var));
    }
}
