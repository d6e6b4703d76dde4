using CompatService.Engine.Btf;

namespace CompatService.Engine.Tests.Btf;

/// <summary>libbpf's __bpf_core_types_are_compat rules for kfunc prototypes and typed ksyms.</summary>
public sealed class BtfCompatibilityTests
{
    /// <summary>A "kernel" with: int f(struct task_struct *, unsigned long); void *g(void); a VAR of struct type.</summary>
    private static (BtfSpec Spec, uint F, uint G, uint Var, uint Bits) Kernel()
    {
        var b = new BtfBuilder();
        var i32 = b.Int("int", 4, signed: true);
        var u64 = b.Int("unsigned long", 8);
        var task = b.Struct("task_struct", 8, ("pid", i32, 0, 0));
        var ptask = b.Ptr(task);
        var f = b.Func("f", b.FuncProto(i32, ("p", ptask), ("n", u64)));
        var g = b.Func("g", b.FuncProto(b.Ptr(0)));
        var rq = b.Struct("rq", 4, ("x", i32, 0, 0));
        var v = b.Var("runqueues", rq);
        var bits = b.Func("bits", b.FuncProto(b.Int("bf", 4, bits: 3, offset: 2)));
        return (b.Parse(), f, g, v, bits);
    }

    [Fact]
    public void IntSizeAndSign_AreIgnored_TypedefsAndConstSkipped()
    {
        var (kernel, f, _, _, _) = Kernel();
        var b = new BtfBuilder();
        var u8 = b.Int("u8", 1);
        var s64 = b.Typedef("s64", b.Int("long long", 8, signed: true));
        var task = b.Struct("task_struct", 100);
        var local = b.Func("f", b.FuncProto(b.Const(u8), ("p", b.Ptr(b.Const(task))), ("n", s64)), BtfLinkage.Extern);
        var spec = b.Parse();
        Assert.True(BtfCompatibility.AreCompatible(spec, new(local), kernel, new(f)));
    }

    [Fact]
    public void StructNamesAndMembers_AreNotCompared()
    {
        var (kernel, f, _, _, _) = Kernel();
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        var local = b.FuncProto(i, ("p", b.Ptr(b.Struct("something_else", 1))), ("n", i));
        Assert.True(BtfCompatibility.AreCompatible(b.Parse(), new(local), kernel, new(f)));
    }

    [Fact]
    public void PointerToFwd_DoesNotMatchPointerToStruct()
    {
        var (kernel, f, _, _, _) = Kernel();
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        var local = b.Func("f", b.FuncProto(i, ("p", b.Ptr(b.Fwd("task_struct"))), ("n", i)));
        var r = BtfCompatibility.Check(b.Parse(), new(local), kernel, new(f));
        Assert.False(r.IsCompatible);
        Assert.Contains("param 1 'p'", r.Reason);
        Assert.Contains("FWD 'task_struct'", r.Reason);
        Assert.Contains("STRUCT 'task_struct'", r.Reason);
    }

    [Fact]
    public void VoidPointer_DoesNotMatchStructPointer()
    {
        var (kernel, f, _, _, _) = Kernel();
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        var local = b.Func("f", b.FuncProto(i, ("p", b.Ptr(0)), ("n", i)));
        Assert.False(BtfCompatibility.AreCompatible(b.Parse(), new(local), kernel, new(f)));
    }

    [Fact]
    public void DifferentArity_IsIncompatible()
    {
        var (kernel, f, _, _, _) = Kernel();
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        var local = b.Func("f", b.FuncProto(i, ("p", b.Ptr(b.Struct("task_struct", 8)))));
        var r = BtfCompatibility.Check(b.Parse(), new(local), kernel, new(f));
        Assert.False(r.IsCompatible);
        Assert.Equal("1 parameters vs 2", r.Reason);
    }

    [Fact]
    public void ReturnTypeKind_Matters_VoidPointerReturnMatches()
    {
        var (kernel, f, g, _, _) = Kernel();
        var b = new BtfBuilder();
        var local = b.Func("g", b.FuncProto(b.Ptr(b.Const(0))));
        var spec = b.Parse();
        Assert.True(BtfCompatibility.AreCompatible(spec, new(local), kernel, new(g)));
        Assert.False(BtfCompatibility.AreCompatible(spec, new(local), kernel, new(f)));
    }

    [Fact]
    public void BitfieldStyleInt_IsIncompatible()
    {
        var (kernel, _, _, _, bits) = Kernel();
        var b = new BtfBuilder();
        var local = b.FuncProto(b.Int("int", 4));
        var r = BtfCompatibility.Check(b.Parse(), new(local), kernel, new(bits));
        Assert.False(r.IsCompatible);
        Assert.Contains("bitfield", r.Reason);
    }

    [Fact]
    public void EnumMatchesEnum64_ButNotInt()
    {
        var k = new BtfBuilder();
        var kp = k.FuncProto(k.Enum64("e", 8, false, ("A", 1)));
        var kernel = k.Parse();
        var b = new BtfBuilder();
        var withEnum = b.FuncProto(b.Enum("x", 4, false, ("B", 2)));
        var withInt = b.FuncProto(b.Int("int", 4));
        var spec = b.Parse();
        Assert.True(BtfCompatibility.AreCompatible(spec, new(withEnum), kernel, new(kp)));
        Assert.False(BtfCompatibility.AreCompatible(spec, new(withInt), kernel, new(kp)));
    }

    [Fact]
    public void DeepPointerChain_HitsTheDepthLimit()
    {
        static uint Chain(BtfBuilder b, int n)
        {
            var t = b.Int("int", 4);
            for (var i = 0; i < n; i++) t = b.Ptr(t);
            return b.FuncProto(t);
        }
        var a = new BtfBuilder();
        var shallowA = Chain(a, 20);
        var deepA = Chain(a, 40);
        var sa = a.Parse();
        var c = new BtfBuilder();
        var shallowC = Chain(c, 20);
        var deepC = Chain(c, 40);
        var sc = c.Parse();
        Assert.True(BtfCompatibility.AreCompatible(sa, new(shallowA), sc, new(shallowC)));
        var r = BtfCompatibility.Check(sa, new(deepA), sc, new(deepC));
        Assert.False(r.IsCompatible);
        Assert.Contains("deeper than 32", r.Reason);
    }

    [Fact]
    public void SelfReferentialPointer_DoesNotLoopForever()
    {
        var b = new BtfBuilder();
        var self = b.Ptr(1); // id 1: PTR -> itself (malformed, but must not hang)
        var proto = b.FuncProto(self);
        var spec = b.Parse();
        Assert.False(BtfCompatibility.AreCompatible(spec, new(proto), spec, new(proto)));
    }

    [Fact]
    public void TypedKsym_ComparesVarTypes()
    {
        var (kernel, _, _, v, _) = Kernel();
        var b = new BtfBuilder();
        var good = b.Var("runqueues", b.Const(b.Struct("rq", 0)), BtfLinkage.Extern);
        var bad = b.Var("runqueues", b.Int("int", 4), BtfLinkage.Extern);
        var fwd = b.Var("runqueues", b.Fwd("rq"), BtfLinkage.Extern);
        var spec = b.Parse();
        Assert.True(BtfCompatibility.TypesCompatibleForKsym(spec, new(good), kernel, new(v)));
        Assert.False(BtfCompatibility.TypesCompatibleForKsym(spec, new(bad), kernel, new(v)));
        Assert.False(BtfCompatibility.TypesCompatibleForKsym(spec, new(fwd), kernel, new(v)));
    }

    [Fact]
    public void RealKernels_SameKfuncAcrossVersions_IsCompatible()
    {
        var k612 = BtfSpec.Parse(BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture612)));
        var k72 = BtfSpec.Parse(BtfTestData.RawVmlinux(BtfTestData.FixtureDir(BtfTestData.Fixture72)));
        var compatible = 0;
        foreach (var id in k612.FuncsWithDeclTag("bpf_kfunc"))
        {
            var other = k72.FindFunc(k612.NameOf(id));
            if (other is null) continue;
            if (BtfCompatibility.AreCompatible(k612, id, k72, other.Value)) compatible++;
        }
        Assert.True(compatible > 100, $"only {compatible} kfuncs of 6.12 compatible with 7.2");
        var acquire = k72.FindFunc("bpf_task_acquire")!.Value;
        var release = k72.FindFunc("bpf_task_release")!.Value;
        Assert.True(BtfCompatibility.AreCompatible(k612, k612.FindFunc("bpf_task_acquire")!.Value, k72, acquire));
        Assert.False(BtfCompatibility.AreCompatible(k72, acquire, k72, release)); // returns struct * vs void
    }
}
