using CompatService.Engine.Analysis;
using CompatService.Engine.Asm;
using CompatService.Engine.Btf;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>The rewrites match libbpf's bpf_object__relocate_data exactly, in both byte orders.</summary>
public sealed class KfuncRelocationTests
{
    private static Kernels.KernelBtfSet Kernel72 => TestData.Kernel(TestData.FixtureKernelDir("debian-7.2.13+deb14-amd64")).Btf;
    private static Kernels.KernelBtfSet Kernel61 => TestData.Kernel(TestData.FixtureKernelDir("debian-6.1.0-47-amd64")).Btf;

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void ResolvedStrongKfuncCall_BecomesKfuncCall_WithKernelBtfId(string endian)
    {
        var obj = TestData.Fixture("kfunc_strong_present", endian);
        var kernel = Kernel72;
        var r = CompatEngine.Relocate(obj, kernel, obj.Programs[0].Name);
        var call = Assert.Single(r.Fixups, f => f.Kind == FixupKind.KfuncCall);
        var expectedId = kernel.Vmlinux.FindFunc(call.Symbol);
        Assert.NotNull(expectedId);
        Assert.Equal(expectedId!.Value.Value, call.BtfId);
        Assert.Equal((int)expectedId.Value.Value, call.Imm);
        Assert.Equal(2, call.Src);
        Assert.Equal(0, call.Off);
        var insn = Instruction.Decode(Convert.FromHexString(r.InstructionsHex[call.Insn]), obj.Endian);
        Assert.Equal(0x85, insn.OpCode);
        Assert.Equal(2, insn.Src);
        Assert.Equal((int)expectedId.Value.Value, insn.Imm);
    }

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void WeakKfuncMissing_CallIsPoisoned_AndLdImm64IsZero(string endian)
    {
        var obj = TestData.Fixture("kfunc_weak_missing_guarded", endian);
        var ext = Assert.Single(obj.Externs);
        var r = CompatEngine.Relocate(obj, Kernel72, "weak_missing_guarded");
        var poison = Assert.Single(r.Fixups, f => f.Kind == FixupKind.PoisonCall);
        Assert.Equal(2002000000 + ext.Index, poison.Imm);
        var insn = Instruction.Decode(Convert.FromHexString(r.InstructionsHex[poison.Insn]), obj.Endian);
        Assert.Equal(new Instruction(0x85, 0, 0, 0, 2002000000 + ext.Index), insn);
        var zero = Assert.Single(r.Fixups, f => f.Kind == FixupKind.ZeroLdImm64);
        var lo = Instruction.Decode(Convert.FromHexString(r.InstructionsHex[zero.Insn]), obj.Endian);
        var hi = Instruction.Decode(Convert.FromHexString(r.InstructionsHex[zero.Insn + 1]), obj.Endian);
        Assert.True(lo.IsLdImm64);
        Assert.Equal(0, lo.Src);
        Assert.Equal(0, lo.Imm);
        Assert.Equal(0, hi.Imm);
        Assert.Equal(Verdict.Loads, r.Result.Verdict);
        Assert.Contains(r.Result.DisabledPaths, d => d.Insn == poison.Insn && d.Symbol == ext.Name);
    }

    [Fact]
    public void WeakKfuncMissing_Unguarded_FailsAtThePoisonedInstruction()
    {
        var obj = TestData.Fixture("kfunc_weak_missing_unguarded");
        var r = CompatEngine.Relocate(obj, Kernel72, obj.Programs[0].Name);
        var poison = Assert.Single(r.Fixups, f => f.Kind == FixupKind.PoisonCall);
        var reason = Assert.Single(r.Result.Reasons, x => x.Code == ReasonCodes.WeakKfuncUnguarded);
        Assert.Equal(poison.Insn, reason.Insn);
        Assert.Contains($"insn {poison.Insn}", reason.Message);
        Assert.Contains("is referenced but wasn't resolved", reason.Message);
    }

    [Fact]
    public void ModuleKfuncs_ShareOneFdArraySlot_PerModule()
    {
        var obj = TestData.Fixture("kfunc_module_ct");
        var kernel = Kernel72;
        Assert.Contains(kernel.Modules, m => m.Name == "nf_conntrack");
        var r = CompatEngine.Relocate(obj, kernel, obj.Programs[0].Name);
        var calls = r.Fixups.Where(f => f.Kind == FixupKind.KfuncCall).ToArray();
        Assert.True(calls.Length >= 2);
        Assert.All(calls, c => { Assert.Equal("nf_conntrack", c.Module); Assert.Equal(1, c.Off); Assert.Equal(1, c.ModuleSlot); });
        Assert.Equal(["nf_conntrack"], r.Modules);
        // the BTF id is the module's own id (split BTF continues after vmlinux's last id)
        Assert.All(calls, c => Assert.True(c.BtfId > kernel.Vmlinux.LastTypeId));
    }

    [Fact]
    public void KsymExists_OnPresentKfunc_FailsBefore64_LoadsAfter()
    {
        var obj = TestData.Fixture("ksym_exists_present");
        var on61 = CompatEngine.Check(obj, Kernel61, "6.1")[0];
        var on72 = CompatEngine.Check(obj, Kernel72, "7.2")[0];
        Assert.Equal(Verdict.Fails, on61.Verdict);
        Assert.Contains(on61.Reasons, r => r.Code == ReasonCodes.KsymExistsUnsupported);
        Assert.Equal(Verdict.Loads, on72.Verdict);
        var fixup = Assert.Single(CompatEngine.Relocate(obj, Kernel72, obj.Programs[0].Name).Fixups, f => f.Kind == FixupKind.KfuncLdImm64);
        Assert.Equal(3, fixup.Src);
    }

    [Fact]
    public void StrongMissingKfunc_FailsEveryProgramOfTheObject_NamingTheReferencingProgram()
    {
        var obj = TestData.Fixture("multi_prog_strong_missing");
        var results = CompatEngine.Check(obj, Kernel72, "7.2");
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.Equal(Verdict.Fails, r.Verdict));
        var bystander = results[obj.Programs.ToList().FindIndex(p => p.Name == "innocent_bystander")];
        var reason = Assert.Single(bystander.Reasons);
        Assert.Equal(ReasonCodes.KfuncMissing, reason.Code);
        Assert.Null(reason.Insn);
        Assert.Contains("uses_missing", reason.Message);
        var user = results[obj.Programs.ToList().FindIndex(p => p.Name == "uses_missing")];
        Assert.NotNull(Assert.Single(user.Reasons).Insn);
    }

    [Fact]
    public void FlavourSuffix_ResolvesByEssentialName()
    {
        var obj = TestData.Fixture("kfunc_flavour");
        var ext = Assert.Single(obj.Externs, e => e.Name.Contains("___", StringComparison.Ordinal));
        Assert.Equal(ext.Name[..ext.Name.LastIndexOf("___", StringComparison.Ordinal)], ext.EssentialName);
        var result = CompatEngine.Check(obj, Kernel72, "7.2")[0];
        Assert.Equal(Verdict.Loads, result.Verdict);
        Assert.Contains(result.Kfuncs, k => k.Name == ext.Name && k.Resolution == Resolutions.Resolved);
    }

    [Fact]
    public void PoisonedCall_AsFirstInstructionOfSubprogram_KeepsTheSubprogramLinked()
    {
        var obj = TestData.Fixture("subprog_poisoned_first");
        var p = obj.Programs[0];
        var sub = Assert.Single(p.Subprograms);
        var r = CompatEngine.Relocate(obj, Kernel72, p.Name);
        var poison = Assert.Single(r.Fixups, f => f.Kind == FixupKind.PoisonCall);
        Assert.Equal(sub.StartInsn, poison.Insn);
        // the bpf-to-bpf call still targets the sub-program's first instruction
        var call = p.References.Single(x => x.Kind == InsnReferenceKind.SubprogramCall);
        Assert.Equal(sub.StartInsn, call.Insn + 1 + p.Instructions[call.Insn].Imm);
        Assert.Equal(Verdict.Loads, r.Result.Verdict);
    }

    [Fact]
    public void ExternOrder_FollowsLibbpf_KconfigByAlignmentThenSizeThenName()
    {
        var obj = TestData.Fixture("kconfig_externs");
        var kconfig = obj.Externs.Where(e => e.Kind == ExternKind.Kconfig).ToArray();
        Assert.True(kconfig.Length >= 3);
        Assert.Equal(Enumerable.Range(0, obj.Externs.Count), obj.Externs.Select(e => e.Index));
        // kconfig come first, and within them alignment never increases
        Assert.All(obj.Externs.Take(kconfig.Length), e => Assert.Equal(ExternKind.Kconfig, e.Kind));
        for (var i = 1; i < kconfig.Length; i++)
        {
            var (a, b) = (kconfig[i - 1], kconfig[i]);
            Assert.True(BtfWalk.AlignOf(obj.Btf!, a.TypeId) > BtfWalk.AlignOf(obj.Btf!, b.TypeId)
                || (BtfWalk.AlignOf(obj.Btf!, a.TypeId) == BtfWalk.AlignOf(obj.Btf!, b.TypeId) && (a.KconfigSize < b.KconfigSize
                    || (a.KconfigSize == b.KconfigSize && string.CompareOrdinal(a.Name, b.Name) < 0))));
        }
    }

    [Theory]
    [InlineData("bpf_foo___v2", "bpf_foo")]
    [InlineData("bpf_foo", "bpf_foo")]
    [InlineData("bpf_foo____v2", "bpf_foo____v2")]
    [InlineData("a___b___c", "a___b")]
    public void EssentialName_CutsAtTheLastFlavourSeparator(string name, string essential) =>
        Assert.Equal(essential, BtfWalk.EssentialName(name));
}
