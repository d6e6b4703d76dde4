using CompatService.Tests.Shared;
using CompatService.Engine.Asm;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Tests.Linking;

using Asm = CompatService.Tests.Shared.Asm;

/// <summary>Each fixup kind applied with the host's values (as the agent does), on a hand-made program (paths the fixtures do not reach on this host).</summary>
public class FixupApplierTests
{
    private static BpfExtern Ext(string name, ExternKind kind, int index, bool weak = false, uint kconfigOffset = 0) => new()
    {
        Index = index, Name = name, EssentialName = name, Kind = kind, IsWeak = weak,
        Symbol = new ElfSymbol(1, name, 0, 0, weak ? ElfConstants.StbWeak : ElfConstants.StbGlobal, 0, 0, 0),
        BtfId = new BtfTypeId(1), TypeId = new BtfTypeId(2), KconfigOffset = kconfigOffset, KconfigSize = 4,
    };

    private static BpfProgram Program(params Instruction[] insns) => new()
    {
        Name = "p", SectionName = "xdp", SectionIndex = 1, SectionOffset = 0,
        SectionInfo = new ProgramSectionInfo("xdp", 6, "xdp", 37, null, false, true),
        OwnLength = insns.Length, Instructions = insns, References = [], Subprograms = [],
    };

    private static readonly HostValues Host = new()
    {
        MapFd = _ => null, KconfigMapFd = 55, ModuleBtfFds = new Dictionary<string, int> { ["nf_conntrack"] = 41, ["fou"] = 42 },
        Kallsyms = n => n == "jiffies" ? 0xffffffff_81234567UL : null,
    };

    [Fact]
    public void KsymLdImm64_OfModuleSymbol_GetsModuleBtfFdInSecondHalf()
    {
        var p = Program([.. Asm.LdImm64(1, 0, 0), Asm.Exit()]);
        var f = new Fixup(0, FixupKind.KsymLdImm64, "ct_var", 70001, "nf_conntrack", 70001, Opcodes.PseudoBtfId, 0) { ModuleSlot = 1 };
        var r = FixupApplier.Apply(p, [f], [], Host);
        Assert.Null(r.Error);
        Assert.Equal((Opcodes.PseudoBtfId, 70001), (r.Instructions[0].Src, r.Instructions[0].Imm));
        Assert.Equal(41, r.Instructions[1].Imm);
        Assert.Null(r.FdArray); // ld_imm64 carries the fd itself; no fd_array slot
    }

    [Fact]
    public void KfuncCalls_InTwoModules_FillFdArraySlotsZeroUnused()
    {
        var p = Program(Asm.Call(-1), Asm.Call(-1), Asm.Call(-1), Asm.Exit());
        Fixup Call(int insn, string? module, short slot, int id) =>
            new(insn, FixupKind.KfuncCall, "k" + insn, (uint)id, module, id, Opcodes.PseudoKfuncCall, slot) { ModuleSlot = slot };
        var r = FixupApplier.Apply(p, [Call(0, "fou", 2, 900), Call(1, null, 0, 100), Call(2, "nf_conntrack", 1, 800)], [], Host);
        Assert.Equal([0, 41, 42], r.FdArray!);
        Assert.Equal(new Instruction(0x85, 0, 2, 2, 900), r.Instructions[0]);
        Assert.Equal(new Instruction(0x85, 0, 2, 0, 100), r.Instructions[1]);
    }

    [Fact]
    public void CoreFixups_RewriteTheWholeInstruction_LoadSizeImmAndLdImm64Halves()
    {
        var p = Program([new Instruction(0x79, 2, 1, 8, 0), new Instruction(0xb7, 3, 0, 0, 1), .. Asm.LdImm64(4, 0, 6), .. Asm.LdImm64(5, 0, 7), Asm.Exit()]);
        var r = FixupApplier.Apply(p, [
            new Fixup(0, FixupKind.Core, "struct s.x", 9, null, 0, 1, 12) { CoreKind = CoreReloKind.FieldByteOffset, Code = 0x61 },
            new Fixup(1, FixupKind.Core, "struct s.y", null, null, 0, 0, 0) { CoreKind = CoreReloKind.FieldExists, Code = 0xb7 },
            new Fixup(2, FixupKind.Core, "struct s", 70001, null, 70001, 0, 0) { CoreKind = CoreReloKind.TypeIdTarget, Code = 0x18, ImmHi = 0 },
            new Fixup(4, FixupKind.Core, "enum e::X", null, null, 195896080, 0, 0) { CoreKind = CoreReloKind.EnumvalValue, Code = 0x85, ImmHi = 195896080 },
        ], [], Host);
        Assert.Null(r.Error);
        Assert.Equal(new Instruction(0x61, 2, 1, 12, 0), r.Instructions[0]); // 8-byte load of an unsigned field that shrank to 4
        Assert.Equal(new Instruction(0xb7, 3, 0, 0, 0), r.Instructions[1]);
        Assert.Equal((0x18, 70001, 0), (r.Instructions[2].OpCode, r.Instructions[2].Imm, r.Instructions[3].Imm));
        Assert.Equal(new Instruction(0x85, 0, 0, 0, 195896080), r.Instructions[4]); // poisoned ld_imm64: both halves
        Assert.Equal(new Instruction(0x85, 0, 0, 0, 195896080), r.Instructions[5]);
    }

    [Fact]
    public void PoisonCall_ClearsRegistersAndOffset()
    {
        var p = Program(new Instruction(0x85, 0, 1, 0, -1), Asm.Exit());
        var r = FixupApplier.Apply(p, [new Fixup(0, FixupKind.PoisonCall, "w", null, null, KfuncFixups.PoisonCallKfuncBase + 3, 0, 0)], [], Host);
        Assert.Equal(new Instruction(0x85, 0, 0, 0, 2002000003), r.Instructions[0]);
    }

    [Fact]
    public void ZeroLdImm64_AndKfuncLdImm64OfVmlinux()
    {
        var p = Program([.. Asm.LdImm64(1, 0, 7, 9), .. Asm.LdImm64(2, 0, 7, 9), Asm.Exit()]);
        var r = FixupApplier.Apply(p,
        [
            new Fixup(0, FixupKind.ZeroLdImm64, "gone", null, null, 0, 0, 0),
            new Fixup(2, FixupKind.KfuncLdImm64, "there", 555, null, 555, Opcodes.PseudoBtfId, 0),
        ], [], Host);
        Assert.Equal((0, 0, 0), ((int)r.Instructions[0].Src, r.Instructions[0].Imm, r.Instructions[1].Imm));
        Assert.Equal((3, 555, 0), ((int)r.Instructions[2].Src, r.Instructions[2].Imm, r.Instructions[3].Imm));
    }

    [Fact]
    public void KconfigAndTypelessKsym_UseTheHostsMapFdAndKallsyms()
    {
        var hz = Ext("CONFIG_HZ", ExternKind.Kconfig, 0, weak: true, kconfigOffset: 8);
        var jiffies = Ext("jiffies", ExternKind.TypelessKsym, 1);
        var p = Program([.. Asm.LdImm64(1, 0, 0), .. Asm.LdImm64(2, 0, 0), Asm.Exit()]);
        var r = FixupApplier.Apply(p,
        [
            new Fixup(0, FixupKind.KconfigLdImm64, "CONFIG_HZ", null, null, 0, Opcodes.PseudoMapValue, 0) { Extern = 0 },
            new Fixup(2, FixupKind.KsymAddressLdImm64, "jiffies", null, null, 0, 0, 0) { Extern = 1 },
        ], [hz, jiffies], Host);
        Assert.Equal((Opcodes.PseudoMapValue, 55, 8), (r.Instructions[0].Src, r.Instructions[0].Imm, r.Instructions[1].Imm));
        Assert.Equal((0x81234567u, 0xffffffffu), ((uint)r.Instructions[2].Imm, (uint)r.Instructions[3].Imm));
    }

    [Fact]
    public void StrongTypelessKsym_MissingFromKallsyms_IsAnError()
    {
        var p = Program([.. Asm.LdImm64(1, 0, 0), Asm.Exit()]);
        var r = FixupApplier.Apply(p, [new Fixup(0, FixupKind.KsymAddressLdImm64, "nope", null, null, 0, 0, 0) { Extern = 0 }],
            [Ext("nope", ExternKind.TypelessKsym, 0)], Host);
        Assert.Contains("extern (ksym) 'nope'", r.Error);
    }
}
