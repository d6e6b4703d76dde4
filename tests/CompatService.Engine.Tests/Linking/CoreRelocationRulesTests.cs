using CompatService.Engine.Asm;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Engine.Tests.Btf;

namespace CompatService.Engine.Tests.Linking;

/// <summary>libbpf's CO-RE rules on small hand-built BTF: ambiguity, memory-size adjustment, validation, flavours, missing types.</summary>
public sealed class CoreRelocationRulesTests
{
    private const byte LdxW = 0x61, LdxDw = 0x79;

    private static KernelBtfSet Kernel(BtfBuilder b) => new(b.Parse(), [], "test", "test");

    private static (BtfSpec Btf, uint Root) Local(Func<BtfBuilder, uint> build)
    {
        var b = new BtfBuilder();
        var root = build(b);
        return (b.Parse(), root);
    }

    private static CoreRelocation Run(BtfSpec local, uint root, string access, CoreReloKind kind, Instruction insn, KernelBtfSet kernel, out Instruction[] insns)
    {
        insns = [insn, new Instruction(0x95, 0, 0, 0, 0)];
        return CoreRelocator.Relocate(local, new BtfCoreRelo(0, new BtfTypeId(root), access, (uint)kind), 0, insns, kernel);
    }

    [Fact]
    public void TwoCandidates_AtDifferentOffsets_AreAnAmbiguity_TheLoadFails()
    {
        var (local, root) = Local(b => b.Struct("foo", 4, ("a", b.Int("int", 4, signed: true), 0, 0)));
        var k = new BtfBuilder();
        var i = k.Int("int", 4, signed: true);
        k.Struct("foo", 8, ("a", i, 0, 0));
        k.Struct("foo", 8, ("pad", i, 0, 0), ("a", i, 32, 0));
        var r = Run(local, root, "0:0", CoreReloKind.FieldByteOffset, new Instruction(LdxW, 0, 1, 0, 0), Kernel(k), out _);
        Assert.Equal(CoreRelocationStatus.Failed, r.Status);
        Assert.Contains("field offset ambiguity", r.Reason);
    }

    [Fact]
    public void TwoCandidates_Agreeing_Resolve()
    {
        var (local, root) = Local(b => b.Struct("foo", 4, ("a", b.Int("int", 4, signed: true), 0, 0)));
        var k = new BtfBuilder();
        var i = k.Int("int", 4, signed: true);
        k.Struct("foo", 8, ("b", i, 0, 0), ("a", i, 32, 0));
        k.Struct("foo", 16, ("c", i, 0, 0), ("a", i, 32, 0));
        var r = Run(local, root, "0:0", CoreReloKind.FieldByteOffset, new Instruction(LdxW, 0, 1, 0, 0), Kernel(k), out var insns);
        Assert.Equal(CoreRelocationStatus.Patched, r.Status);
        Assert.Equal(4UL, r.Value);
        Assert.Equal(4, insns[0].Offset);
    }

    [Fact]
    public void UnsignedField_Shrinking_AdjustsTheLoadSize()
    {
        var (local, root) = Local(b => b.Struct("foo", 8, ("x", b.Int("unsigned long", 8), 0, 0)));
        var k = new BtfBuilder();
        k.Struct("foo", 8, ("y", k.Int("int", 4, signed: true), 0, 0), ("x", k.Int("unsigned int", 4), 32, 0));
        var r = Run(local, root, "0:0", CoreReloKind.FieldByteOffset, new Instruction(LdxDw, 0, 1, 0, 0), Kernel(k), out var insns);
        Assert.Equal(CoreRelocationStatus.Patched, r.Status);
        Assert.Equal(new Instruction(LdxW, 0, 1, 4, 0), insns[0]);
    }

    [Fact]
    public void SignedField_ChangingSize_IsPoisoned()
    {
        var (local, root) = Local(b => b.Struct("foo", 8, ("x", b.Int("long", 8, signed: true), 0, 0)));
        var k = new BtfBuilder();
        k.Struct("foo", 4, ("x", k.Int("int", 4, signed: true), 0, 0));
        var r = Run(local, root, "0:0", CoreReloKind.FieldByteOffset, new Instruction(LdxDw, 0, 1, 0, 0), Kernel(k), out var insns);
        Assert.Equal(CoreRelocationStatus.Poisoned, r.Status);
        Assert.Equal(CoreInsnPatcher.PoisonCall, insns[0]);
    }

    [Fact]
    public void CompiledOffset_NotTheLocalOne_IsRefused()
    {
        var (local, root) = Local(b => b.Struct("foo", 8, ("p", b.Int("int", 4), 0, 0), ("a", b.Int("int", 4), 32, 0)));
        var k = new BtfBuilder();
        k.Struct("foo", 8, ("a", k.Int("int", 4), 0, 0));
        var r = Run(local, root, "0:1", CoreReloKind.FieldByteOffset, new Instruction(LdxW, 0, 1, 8, 0), Kernel(k), out _);
        Assert.Equal(CoreRelocationStatus.Failed, r.Status);
        Assert.Contains("unexpected offset 8", r.Reason);
    }

    [Fact]
    public void FlavouredLocalStruct_MatchesTheKernelStruct_ByEssentialName()
    {
        var (local, root) = Local(b => b.Struct("foo___v2", 4, ("a", b.Int("int", 4), 0, 0)));
        var k = new BtfBuilder();
        var fooId = k.Struct("foo", 12, ("z", k.Int("int", 4), 0, 0), ("a", k.Int("int", 4), 64, 0));
        var kernel = Kernel(k);
        Assert.Equal(8UL, Run(local, root, "0:0", CoreReloKind.FieldByteOffset, new Instruction(LdxW, 0, 1, 0, 0), kernel, out _).Value);
        var size = Run(local, root, "0", CoreReloKind.TypeSize, new Instruction(0xb7, 1, 0, 0, 4), kernel, out var insns);
        Assert.Equal(12, insns[0].Imm);
        Assert.Equal(new BtfTypeId(fooId), size.TargetTypeId);
    }

    [Fact]
    public void MissingType_TypeSize_IsZero_NotPoisoned()
    {
        var (local, root) = Local(b => b.Struct("absent", 4, ("a", b.Int("int", 4), 0, 0)));
        var k = new BtfBuilder();
        k.Int("int", 4);
        var r = Run(local, root, "0", CoreReloKind.TypeSize, new Instruction(0xb7, 1, 0, 0, 4), Kernel(k), out var insns);
        Assert.Equal(CoreRelocationStatus.Patched, r.Status);
        Assert.Equal(0, insns[0].Imm);
    }

    [Fact]
    public void ModuleType_IsACandidate_OnlyWhenVmlinuxHasNone()
    {
        var (local, root) = Local(b => b.Struct("mod_ctx", 4, ("a", b.Int("int", 4), 0, 0)));
        var v = new BtfBuilder();
        v.Int("int", 4);
        var vmlinux = v.Parse();
        var m = new BtfBuilder(vmlinux);
        m.Struct("mod_ctx", 8, ("b", 1, 0, 0), ("a", 1, 32, 0));
        var kernel = new KernelBtfSet(vmlinux, [new ModuleBtf("hid", m.Parse(baseSpec: vmlinux))], "test", "test");
        var r = Run(local, root, "0:0", CoreReloKind.FieldByteOffset, new Instruction(LdxW, 0, 1, 0, 0), kernel, out _);
        Assert.Equal(CoreRelocationStatus.Patched, r.Status);
        Assert.Equal(4UL, r.Value);
        Assert.Equal("hid", r.Module);
    }
}
