using CompatService.Engine.Analysis;
using CompatService.Engine.Asm;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Linking;

/// <summary>CO-RE relocations of the core_field_exists fixture against real kernel BTF (committed 6.1 / 6.12 / 7.2).</summary>
public sealed class CoreRelocatorTests(ITestOutputHelper output)
{
    private static KernelBtfSet Kernel(string dir) => TestData.Kernel(TestData.FixtureKernelDir(dir)).Btf;
    private static KernelBtfSet Kernel61 => Kernel("debian-6.1.0-47-amd64");
    private static KernelBtfSet Kernel72 => Kernel("debian-7.2.13+deb14-amd64");

    /// <summary>Byte offset of task_struct.<paramref name="field"/> read straight from the kernel's BTF.</summary>
    private static long? TaskStructFieldOffset(KernelBtfSet kernel, string field)
    {
        var id = kernel.Vmlinux.FindFirstOfKind("task_struct", BtfKind.Struct)!.Value;
        var s = (BtfComposite)kernel.Vmlinux.GetType(id);
        foreach (var m in s.Members) if (m.Name == field) return m.BitOffset / 8;
        return null;
    }

    private IReadOnlyList<CoreRelocation> Compute(string program, KernelBtfSet kernel, string endian = "bpfel")
    {
        var obj = TestData.Fixture("core_field_exists", endian);
        var r = CoreRelocator.Compute(obj, obj.Programs.Single(p => p.Name == program), kernel);
        foreach (var c in r) output.WriteLine($"{c.Insn} {c.Kind} {c.Path} {c.Status} {c.Value} {c.Reason}");
        return r;
    }

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void TaskStructPidOffset_DiffersBetween61And72_AndMatchesKernelBtf(string endian)
    {
        var on61 = Compute("core_unguarded", Kernel61, endian).Single(c => c.Path == "struct task_struct.pid");
        var on72 = Compute("core_unguarded", Kernel72, endian).Single(c => c.Path == "struct task_struct.pid");
        Assert.Equal(CoreReloKind.FieldByteOffset, on61.Kind);
        Assert.Equal(CoreRelocationStatus.Patched, on61.Status);
        Assert.Equal((ulong)TaskStructFieldOffset(Kernel61, "pid")!.Value, on61.Value);
        Assert.Equal((ulong)TaskStructFieldOffset(Kernel72, "pid")!.Value, on72.Value);
        Assert.NotEqual(on61.Value, on72.Value);
        // The load instruction itself carries the new offset.
        Assert.Equal((short)on72.Value!.Value, on72.Patched!.Value.Offset);
        Assert.Equal(0x61, on72.Patched.Value.OpCode); // still a 4-byte LDX: int on both sides
    }

    [Fact]
    public void MissingField_Unguarded_PoisonsTheLoad_On61()
    {
        var r = Compute("core_unguarded", Kernel61);
        var saved = r.Single(c => c.Path == "struct task_struct.saved_state");
        Assert.Equal(CoreRelocationStatus.Poisoned, saved.Status);
        Assert.Equal(new Instruction(0x85, 0, 0, 0, CoreInsnPatcher.PoisonImm), saved.Patched);
        Assert.Null(TaskStructFieldOffset(Kernel61, "saved_state"));
    }

    [Fact]
    public void MissingField_ExistsCheck_GivesZero_On61_AndOne_On72()
    {
        var on61 = Compute("core_guarded", Kernel61).Single(c => c.Kind == CoreReloKind.FieldExists);
        var on72 = Compute("core_guarded", Kernel72).Single(c => c.Kind == CoreReloKind.FieldExists);
        Assert.Equal(CoreRelocationStatus.Patched, on61.Status);
        Assert.Equal(0UL, on61.Value);
        Assert.Equal(0, on61.Patched!.Value.Imm);
        Assert.Equal(1UL, on72.Value);
        Assert.Equal((ulong)TaskStructFieldOffset(Kernel72, "saved_state")!.Value,
            Compute("core_guarded", Kernel72).Single(c => c.Path == "struct task_struct.saved_state" && c.Kind == CoreReloKind.FieldByteOffset).Value);
    }

    [Fact]
    public void GuardedTwin_LoadsEverywhere_WithThePoisonedReadDisabledOn61()
    {
        var obj = TestData.Fixture("core_field_exists");
        var r61 = CompatEngine.Analyze(obj, Kernel61, "6.1").Single(a => a.Program.Name == "core_guarded").Result;
        Assert.Equal(Verdict.Loads, r61.Verdict);
        var path = Assert.Single(r61.DisabledPaths);
        Assert.Equal("struct task_struct.saved_state", path.Symbol);
        var unguarded = CompatEngine.Analyze(obj, Kernel61, "6.1").Single(a => a.Program.Name == "core_unguarded").Result;
        Assert.Equal(Verdict.Fails, unguarded.Verdict);
        Assert.Equal(ReasonCodes.CoreRelocationFailed, Assert.Single(unguarded.Reasons).Code);
        var r72 = CompatEngine.Analyze(obj, Kernel72, "7.2").Single(a => a.Program.Name == "core_guarded").Result;
        Assert.Equal(Verdict.Loads, r72.Verdict);
        Assert.Empty(r72.DisabledPaths);
    }

    [Fact]
    public void CoreFixups_AppearInRelocationResult_WithCoreKinds()
    {
        var obj = TestData.Fixture("core_field_exists");
        var r = CompatEngine.Relocate(obj, Kernel72, "core_guarded");
        Assert.Contains(r.Fixups, f => f.CoreKind == CoreReloKind.FieldExists && f.Imm == 1);
        var pid = Assert.Single(r.Fixups, f => f.CoreKind == CoreReloKind.FieldByteOffset && f.Symbol == "struct task_struct.pid");
        Assert.Equal((short)TaskStructFieldOffset(Kernel72, "pid")!.Value, pid.Off);
        var insn = Instruction.Decode(Convert.FromHexString(r.InstructionsHex[pid.Insn]), obj.Endian);
        Assert.Equal(pid.Off, insn.Offset);
    }

    [Theory]
    [InlineData("a", "a")]
    [InlineData("task_struct___v2", "task_struct")]
    [InlineData("a___b___c", "a___b")]
    [InlineData("__a", "__a")]
    [InlineData("x____y", "x____y")]
    public void EssentialName_StripsTheLastFlavour(string name, string expected) =>
        Assert.Equal(expected, BtfWalk.EssentialName(name));
}

/// <summary>The core_kinds fixture: every kind clang-14 emits, values checked against what the kernel BTF says.</summary>
public sealed class CoreKindTests(ITestOutputHelper output)
{
    private static KernelBtfSet Kernel(string dir) => TestData.Kernel(TestData.FixtureKernelDir(dir)).Btf;

    private IReadOnlyList<CoreRelocation> Compute(KernelBtfSet kernel, string endian)
    {
        var obj = TestData.Fixture("core_kinds", endian);
        var r = CoreRelocator.Compute(obj, obj.Programs.Single(), kernel);
        foreach (var c in r) output.WriteLine($"{c.Insn} {c.Kind} {c.Path} {c.Status} {c.Value} {c.Reason}");
        return r;
    }

    private static BtfComposite TaskStruct(KernelBtfSet k, out BtfTypeId id)
    {
        id = k.Vmlinux.FindFirstOfKind("task_struct", BtfKind.Struct)!.Value;
        return (BtfComposite)k.Vmlinux.GetType(id);
    }

    [Theory]
    [InlineData("debian-7.2.13+deb14-amd64", "bpfel")]
    [InlineData("debian-7.2.13+deb14-amd64", "bpfeb")]
    [InlineData("debian-6.1.0-47-amd64", "bpfel")]
    [InlineData("debian-6.12.117+deb13-amd64", "bpfel")]
    public void EveryKind_TakesTheValueTheKernelBtfGives(string dir, string endian)
    {
        var k = Kernel(dir);
        var r = Compute(k, endian);
        ulong Value(CoreReloKind kind, string path) => r.Single(c => c.Kind == kind && c.Path == path).Value!.Value;
        var task = TaskStruct(k, out var taskId);
        var bit = task.Members.Single(m => m.Name == "sched_reset_on_fork");
        Assert.Equal(1u, bit.BitfieldSize);
        // libbpf: byte_sz = size of the bitfield's int (4), byte_off aligned down to it; little-endian target kernel.
        var byteOff = bit.BitOffset / 8 / 4 * 4;
        Assert.Equal(4UL, Value(CoreReloKind.FieldByteSize, "struct task_struct.pid"));
        Assert.Equal(1UL, Value(CoreReloKind.FieldSigned, "struct task_struct.pid"));
        Assert.Equal((ulong)byteOff, Value(CoreReloKind.FieldByteOffset, "struct task_struct.sched_reset_on_fork"));
        Assert.Equal(4UL, Value(CoreReloKind.FieldByteSize, "struct task_struct.sched_reset_on_fork"));
        Assert.Equal((ulong)(64 - (bit.BitOffset + 1 - byteOff * 8)), Value(CoreReloKind.FieldLShiftU64, "struct task_struct.sched_reset_on_fork"));
        Assert.Equal(63UL, Value(CoreReloKind.FieldRShiftU64, "struct task_struct.sched_reset_on_fork"));
        Assert.Equal(1UL, Value(CoreReloKind.TypeExists, "struct task_struct"));
        Assert.Equal((ulong)task.Size, Value(CoreReloKind.TypeSize, "struct task_struct"));
        Assert.Equal((ulong)taskId.Value, Value(CoreReloKind.TypeIdTarget, "struct task_struct"));
        var obj = TestData.Fixture("core_kinds", endian);
        Assert.Equal((ulong)obj.Btf!.FindFirstOfKind("task_struct", BtfKind.Struct)!.Value.Value, Value(CoreReloKind.TypeIdLocal, "struct task_struct"));

        var mapType = (BtfEnum)k.Vmlinux.GetType(k.Vmlinux.FindFirstOfKind("bpf_map_type", BtfKind.Enum)!.Value);
        var arena = mapType.Values.Where(v => v.Name == "BPF_MAP_TYPE_ARENA").ToArray();
        var exists = r.Single(c => c.Kind == CoreReloKind.EnumvalExists);
        var value = r.Single(c => c.Kind == CoreReloKind.EnumvalValue);
        Assert.Equal("enum bpf_map_type___compat::BPF_MAP_TYPE_ARENA___compat", value.Path);
        if (arena.Length == 1)
        {
            Assert.Equal(1UL, exists.Value);
            Assert.Equal((ulong)arena[0].Value, value.Value);
            Assert.Equal(33UL, value.Value);
        }
        else
        {
            Assert.Equal(0UL, exists.Value);
            Assert.Equal(CoreRelocationStatus.Poisoned, value.Status);
        }
        Assert.Equal(12, r.Count);
    }

    [Fact]
    public void LdImm64Relocation_WritesBothHalves_AndPoisonsBothHalves()
    {
        var obj = TestData.Fixture("core_kinds");
        var program = obj.Programs.Single();
        var on72 = program.Instructions.ToArray();
        var r72 = CoreRelocator.Apply(obj, program, Kernel("debian-7.2.13+deb14-amd64"), on72);
        var target = r72.Single(c => c.Kind == CoreReloKind.TypeIdTarget);
        Assert.Equal((int)target.Value!.Value, on72[target.Insn].Imm);
        Assert.Equal(0, on72[target.Insn + 1].Imm);
        var on61 = program.Instructions.ToArray();
        var value = CoreRelocator.Apply(obj, program, Kernel("debian-6.1.0-47-amd64"), on61).Single(c => c.Kind == CoreReloKind.EnumvalValue);
        Assert.Equal(CoreInsnPatcher.PoisonCall, on61[value.Insn]);
        Assert.Equal(CoreInsnPatcher.PoisonCall, on61[value.Insn + 1]);
    }
}

/// <summary>A CO-RE record keyed by ".text" lands where the sub-program is placed in the linked program.</summary>
public sealed class CoreSubprogramTests
{
    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void TextRecord_IsPlacedAtTheSubprogramsLinkedPosition_PoisonedButUnreachedOn61(string endian)
    {
        var obj = TestData.Fixture("core_subprog", endian);
        var program = obj.Programs.Single();
        var sub = Assert.Single(program.Subprograms);
        Assert.Equal("read_saved_state", sub.Name);
        Assert.Contains(".text", obj.BtfExt!.CoreRelos.Keys);
        var k61 = TestData.Kernel(TestData.FixtureKernelDir("debian-6.1.0-47-amd64")).Btf;
        var k72 = TestData.Kernel(TestData.FixtureKernelDir("debian-7.2.13+deb14-amd64")).Btf;
        var read61 = CoreRelocator.Compute(obj, program, k61).Single(c => c.Kind == CoreReloKind.FieldByteOffset);
        Assert.Equal(sub.StartInsn, read61.Insn); // the load is the sub-program's first instruction
        Assert.Equal(CoreRelocationStatus.Poisoned, read61.Status);
        var read72 = CoreRelocator.Compute(obj, program, k72).Single(c => c.Kind == CoreReloKind.FieldByteOffset);
        Assert.Equal(sub.StartInsn, read72.Insn);
        Assert.Equal(CoreRelocationStatus.Patched, read72.Status);

        var analysis = CompatEngine.Analyze(obj, k61, "6.1").Single();
        Assert.Equal(Verdict.Loads, analysis.Result.Verdict);
        Assert.Equal(sub.StartInsn, Assert.Single(analysis.Result.DisabledPaths).Insn);
        Assert.Equal(CoreInsnPatcher.PoisonCall, analysis.Relocated[sub.StartInsn]);
    }
}
