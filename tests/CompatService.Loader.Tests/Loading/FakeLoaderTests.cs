using CompatService.Engine.Preparation;
using CompatService.Tests.Shared;
using System.Buffers.Binary;
using CompatService.Engine;
using CompatService.Engine.Asm;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using CompatService.Loader.Loading;
using CompatService.Loader.Syscalls;
using CompatService.Engine.Linking;

namespace CompatService.Loader.Tests.Loading;

/// <summary>The whole object loader against the recording fake: what bpf(2) would have been asked, byte by byte.</summary>
public class FakeLoaderTests
{
    private static readonly Lazy<KernelBtfSet> Kernel72 = new(() =>
    {
        var dir = Path.Combine(TestPaths.Fixtures, "kernels", "debian-7.2.13+deb14-amd64");
        return CompatEngine.OpenKernel(File.ReadAllBytes(Path.Combine(dir, "vmlinux.btf.gz")),
            [new("nf_conntrack", File.ReadAllBytes(Path.Combine(dir, "modules", "nf_conntrack.btf.gz")))], "7.2.13+deb14-amd64");
    });

    private static BpfObject Fixture(string name) => CompatEngine.OpenObject(File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "bpf", name + ".bpfel.o")));

    private static (FakeBpfSyscalls Fake, LoadedObject Loaded) Load(string fixture, Action<FakeBpfSyscalls>? setup = null,
        IReadOnlyDictionary<string, int>? moduleFds = null)
    {
        var fake = new FakeBpfSyscalls();
        setup?.Invoke(fake);
        var target = new LoadTarget { Kernel = Kernel72.Value, ModuleBtfFds = moduleFds ?? new Dictionary<string, int> { ["nf_conntrack"] = 77 } };
        var loaded = new ObjectLoader(new BpfApi(fake)).Load(Fixture(fixture), target, new LoadOptions { ObjectName = fixture });
        return (fake, loaded);
    }

    private static FakeBpfCall LastProgLoad(FakeBpfSyscalls fake) => fake.Of(BpfCommand.ProgLoad).Last();

    [Fact]
    public void ModuleKfuncCall_GetsSlotOneAndFdArrayWithModuleBtfFd()
    {
        var (fake, loaded) = Load("kfunc_module_ct");
        using var _ = loaded;
        Assert.True(loaded.Programs.Single().Loaded);
        var call = LastProgLoad(fake);
        Assert.Equal([0, 77], call.FdArray!);
        var kfuncCalls = call.DecodedInstructions().Where(i => i.Code == 0x85 && i.Src == 2).ToArray();
        Assert.Equal(2, kfuncCalls.Length); // bpf_xdp_ct_lookup + bpf_ct_release, shared slot
        Assert.All(kfuncCalls, c => Assert.Equal(1, c.Off));
        Assert.All(kfuncCalls, c => Assert.True(c.Imm > Kernel72.Value.Vmlinux.LastTypeId)); // ids of the split module BTF
    }

    [Fact]
    public void VmlinuxKfuncCall_HasSlotZeroAndNoFdArray()
    {
        var (fake, loaded) = Load("kfunc_strong_present");
        using var _ = loaded;
        var call = LastProgLoad(fake);
        Assert.Equal(0ul, call.U64(BpfAttr.ProgLoad.FdArray));
        var k = Assert.Single(call.DecodedInstructions(), i => i.Code == 0x85 && i.Src == 2);
        Assert.Equal(0, k.Off);
        Assert.Equal(Kernel72.Value.Vmlinux.FindFunc("bpf_kfunc_call_test_release")!.Value.Value, (uint)k.Imm);
    }

    [Fact]
    public void UnresolvedWeakCall_IsPoisonedAndTheKernelMessageMapsBackToTheKfunc()
    {
        var obj = Fixture("kfunc_weak_missing_unguarded");
        var ext = obj.Externs.Single(e => e.Name == "bpf_compat_missing_weak");
        var imm = KfuncFixups.PoisonCallKfuncBase + ext.Index;
        var (fake, loaded) = Load("kfunc_weak_missing_unguarded", f => f.Handlers[BpfCommand.ProgLoad] = c =>
        {
            c.WriteLog($"0: R1=ctx() R10=fp0\n1: (b7) r2 = 0\n2: (85) call unknown#{imm}\ninvalid func unknown#{imm}\nprocessed 3 insns\n");
            return -Errno.EINVAL;
        });
        using var _ = loaded;
        var poison = Assert.Single(LastProgLoad(fake).DecodedInstructions(), i => i.Code == 0x85 && i.Imm == imm);
        Assert.Equal((0, 0, 0), ((int)poison.Dst, (int)poison.Src, (int)poison.Off));
        var o = loaded.Programs.Single();
        Assert.False(o.Loaded);
        Assert.Equal(Errno.EINVAL, o.Errno);
        Assert.Contains("kfunc 'bpf_compat_missing_weak' is referenced but wasn't resolved", o.Message);
        Assert.Contains("2: <invalid kfunc call>\nkfunc 'bpf_compat_missing_weak' is referenced but wasn't resolved", o.Log);
    }

    [Fact]
    public void GuardedWeakMissing_LdImm64BecomesZero()
    {
        var (fake, loaded) = Load("kfunc_weak_missing_guarded");
        using var _ = loaded;
        var insns = LastProgLoad(fake).DecodedInstructions();
        var obj = Fixture("kfunc_weak_missing_guarded");
        var ldRef = obj.Programs[0].References.First(r => r.Kind == InsnReferenceKind.Extern && obj.Programs[0].Instructions[r.Insn].IsLdImm64);
        Assert.Equal((0x18, 0, 0), ((int)insns[ldRef.Insn].Code, (int)insns[ldRef.Insn].Src, insns[ldRef.Insn].Imm));
        Assert.Equal(0, insns[ldRef.Insn + 1].Imm);
    }

    [Fact]
    public void TypedKsym_LdImm64GetsPseudoBtfIdWithVmlinuxZeroInSecondHalf()
    {
        var (fake, loaded) = Load("ksym_typed_present");
        using var _ = loaded;
        var insns = LastProgLoad(fake).DecodedInstructions();
        var i = Array.FindIndex(insns, x => x.Code == 0x18 && x.Src == Opcodes.PseudoBtfId);
        Assert.True(i >= 0);
        Assert.Equal(Kernel72.Value.Vmlinux.FindFirstOfKind("bpf_prog_active", CompatService.Engine.Btf.BtfKind.Var)!.Value.Value, (uint)insns[i].Imm);
        Assert.Equal(0, insns[i + 1].Imm);
    }

    [Fact]
    public void Maps_CreatedWithBtfIds_AndReferencesRelocatedToFdAndValueOffset()
    {
        var (fake, loaded) = Load("socket_filter_map");
        using var _ = loaded;
        Assert.True(loaded.Programs.Single().Loaded);
        var creates = fake.Of(BpfCommand.MapCreate).ToArray();
        var names = creates.Select(c => c.Name).ToArray();
        Assert.Contains("socket_f.rodata", names);
        Assert.Contains("socket_f.data", names);
        Assert.Contains("socket_f.bss", names);
        var btfMap = creates.Single(c => !c.Name!.Contains('.'));
        Assert.NotEqual(0u, btfMap.U32(BpfAttr.MapCreate.BtfFd));
        Assert.NotEqual(0u, btfMap.U32(BpfAttr.MapCreate.BtfValueTypeId));
        // .rodata: value written then frozen; .bss: never written
        var rodataFd = loaded.Maps[".rodata"].Value;
        Assert.Contains(fake.Of(BpfCommand.MapFreeze), c => c.U32(0) == (uint)rodataFd);
        Assert.DoesNotContain(fake.Of(BpfCommand.MapUpdateElem), c => c.U32(0) == (uint)loaded.Maps[".bss"].Value);

        var obj = Fixture("socket_filter_map");
        var insns = LastProgLoad(fake).DecodedInstructions();
        foreach (var r in obj.Programs[0].References)
        {
            if (r.Kind == InsnReferenceKind.Map)
                Assert.Equal((Opcodes.PseudoMapFd, loaded.Maps[r.Map!.Name].Value), (insns[r.Insn].Src, insns[r.Insn].Imm));
            if (r.Kind == InsnReferenceKind.GlobalData)
            {
                Assert.Equal((Opcodes.PseudoMapValue, loaded.Maps[r.Map!.Name].Value), (insns[r.Insn].Src, insns[r.Insn].Imm));
                Assert.Equal((int)r.Offset, insns[r.Insn + 1].Imm);
            }
        }
        Assert.Contains(obj.Programs[0].References, r => r.Kind == InsnReferenceKind.GlobalData);
    }

    [Fact]
    public void ObjectBtf_LoadedFixedUp_AndPassedWithFuncInfo()
    {
        var (fake, loaded) = Load("subprog_poisoned_first");
        using var _ = loaded;
        var btf = Assert.Single(fake.Of(BpfCommand.BtfLoad));
        var call = LastProgLoad(fake);
        Assert.Equal((uint)loaded.Btf!.Value, call.U32(BpfAttr.ProgLoad.ProgBtfFd));
        var count = call.U32(BpfAttr.ProgLoad.FuncInfoCnt);
        Assert.Equal(2u, count); // entry + the appended sub-program
        var fi = call.FuncInfo!;
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(fi));
        var sub = Fixture("subprog_poisoned_first").Programs[0].Subprograms.Single();
        Assert.Equal((uint)sub.StartInsn, BinaryPrimitives.ReadUInt32LittleEndian(fi.AsSpan(8)));
        Assert.True(call.U32(BpfAttr.ProgLoad.LineInfoCnt) > 0);
        // extern FUNCs in .ksyms are rewritten (the kernel rejects extern linkage)
        var raw = RawBtf.Parse(btf.Btf);
        for (uint id = 1; id < raw.Count; id++)
            if (raw.Kind(id) == RawBtfKind.Func) Assert.NotEqual(2, raw.Vlen(id));
    }

    [Fact]
    public void MissingModuleFd_FailsBeforeTheSyscallWithAClearMessage()
    {
        var (fake, loaded) = Load("kfunc_module_ct", moduleFds: new Dictionary<string, int>());
        using var _ = loaded;
        Assert.Empty(fake.Of(BpfCommand.ProgLoad));
        Assert.Contains("nf_conntrack", loaded.Programs.Single().Message);
    }

    [Fact]
    public void StrongMissingKfunc_RefusesTheWholeObjectLikeLibbpf()
    {
        var (fake, loaded) = Load("multi_prog_strong_missing");
        using var _ = loaded;
        Assert.Empty(fake.Calls);
        Assert.Equal(2, loaded.Programs.Count);
        Assert.All(loaded.Programs, p => Assert.Contains("extern (func ksym) 'bpf_compat_no_such_kfunc': not found", p.Message));
    }

    [Fact]
    public void Dispose_ClosesEveryFdItOpened()
    {
        var (fake, loaded) = Load("socket_filter_map");
        loaded.Dispose();
        var opened = fake.Calls.Where(c => c.Command is BpfCommand.MapCreate or BpfCommand.BtfLoad or BpfCommand.ProgLoad).Count();
        Assert.Equal(opened, fake.Closed.Distinct().Count());
    }
}
