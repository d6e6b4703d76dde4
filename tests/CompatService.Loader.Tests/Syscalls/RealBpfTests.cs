using CompatService.Engine.Preparation;
using System.Runtime.InteropServices;
using CompatService.Tests.Shared;
using CompatService.Engine.Asm;
using CompatService.Loader.Btf;
using CompatService.Loader.Syscalls;
using CompatService.Engine.Linking;

namespace CompatService.Loader.Tests.Syscalls;

/// <summary>Hand-assembled programs through the real bpf(2) (skipped where loading is not permitted).</summary>
public class RealBpfTests
{
    private static readonly BpfApi Api = new(LinuxBpfSyscalls.Instance);
    private const uint Xdp = 6, SocketFilter = 1;

    [BpfFact]
    public void XdpReturnPass_Loads()
    {
        var r = Api.ProgLoad(new ProgLoadRequest { ProgType = Xdp, Instructions = Asm.Encode(Asm.Mov64Imm(0, 2), Asm.Exit()), License = "GPL", Name = "xdp_pass" });
        using var fd = r.Fd;
        Assert.True(r.Succeeded, r.Log);
        Assert.True(fd!.Value > 2);
    }

    [BpfFact]
    public void SocketFilter_WithArrayMapViaPseudoMapFd_Loads()
    {
        using var map = Api.MapCreate(new MapCreateRequest { Definition = new(BpfConst.MapTypeArray, 4, 8, 1), Name = "counts" });
        Api.MapUpdateElem(map, [0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]);
        var insns = new List<CompatService.Engine.Asm.Instruction>
        {
            Asm.StW(10, -4, 0), Asm.Mov64Reg(2, 10), Asm.Add64Imm(2, -4),
        };
        insns.AddRange(Asm.LdImm64(1, Opcodes.PseudoMapFd, map.Value));
        insns.AddRange([Asm.Call(1), Asm.Mov64Imm(0, 0), Asm.Exit()]);
        var r = Api.ProgLoad(new ProgLoadRequest { ProgType = SocketFilter, Instructions = Asm.Encode(insns), License = "GPL", Name = "sf_map" });
        using var fd = r.Fd;
        Assert.True(r.Succeeded, r.Log);
    }

    [BpfFact]
    public void GlobalData_PseudoMapValue_OnFrozenReadOnlyArray_Loads()
    {
        using var map = Api.MapCreate(new MapCreateRequest
        {
            Definition = new(BpfConst.MapTypeArray, 4, 16, 1, BpfConst.FRdonlyProg), Name = "t.rodata",
        });
        Api.MapUpdateElem(map, [0, 0, 0, 0], new byte[16]);
        Api.MapFreeze(map);
        var insns = new List<CompatService.Engine.Asm.Instruction>();
        insns.AddRange(Asm.LdImm64(1, Opcodes.PseudoMapValue, map.Value, 8)); // &rodata[8]
        insns.AddRange([new(0x61, 0, 1, 0, 0), Asm.Exit()]);                 // r0 = *(u32 *)(r1 + 0)
        var r = Api.ProgLoad(new ProgLoadRequest { ProgType = Xdp, Instructions = Asm.Encode(insns), License = "GPL" });
        using var fd = r.Fd;
        Assert.True(r.Succeeded, r.Log);
    }

    [BpfFact]
    public void BpfToBpfCall_WithFuncInfoFromHandWrittenBtf_Loads()
    {
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        var voidPtr = b.Ptr(0);
        var mainProto = b.FuncProto(i, ("ctx", voidPtr));
        var main = b.Func("main_prog", mainProto, 1);
        var subProto = b.FuncProto(i, ("x", i));
        var sub = b.Func("sub", subProto, 0);
        var btf = Api.BtfLoad(b.Build());
        using var btfFd = btf.Fd;
        Assert.True(btf.Succeeded, btf.Log);

        // main: r1 = 1; call sub (+2); exit.   sub (insn 3): r0 = r1; r0 += 1; exit
        var code = Asm.Encode(Asm.Mov64Imm(1, 1), Asm.PseudoCall(1), Asm.Exit(), Asm.Mov64Reg(0, 1), Asm.Add64Imm(0, 1), Asm.Exit());
        var funcInfo = new uint[] { 0, main, 3, sub };
        var r = Api.ProgLoad(new ProgLoadRequest
        {
            ProgType = Xdp, Instructions = code, License = "GPL", Name = "main_prog", ProgBtfFd = btfFd!.Value,
            FuncInfo = new(8, MemoryMarshal.AsBytes(funcInfo.AsSpan()).ToArray(), 2),
        });
        using var fd = r.Fd;
        Assert.True(r.Succeeded, r.Log);
    }

    [BpfFact]
    public void BadFuncInfo_FailsWithVerifierLog()
    {
        var b = new BtfBuilder();
        var i = b.Int("int", 4);
        var proto = b.FuncProto(i, ("ctx", b.Ptr(0)));
        var f = b.Func("f", proto, 1);
        var btf = Api.BtfLoad(b.Build());
        using var btfFd = btf.Fd;
        var r = Api.ProgLoad(new ProgLoadRequest
        {
            ProgType = Xdp, Instructions = Asm.Encode(Asm.Mov64Imm(0, 2), Asm.Exit()), License = "GPL", ProgBtfFd = btfFd!.Value,
            FuncInfo = new(8, MemoryMarshal.AsBytes(new uint[] { 1, f }.AsSpan()).ToArray(), 1), // insn_off must be 0
        });
        Assert.False(r.Succeeded);
        Assert.Equal(Errno.EINVAL, r.Errno);
        Assert.Contains("nonzero insn_off 1 for the first func info", r.Log);
    }

    [BpfFact]
    public void UninitialisedRegister_FailsAndLogGrowsFromTinyBuffer()
    {
        var insns = Enumerable.Range(0, 300).Select(n => Asm.Add64Imm(1, 1)).Prepend(Asm.Mov64Imm(1, 0)).Append(Asm.Mov64Reg(0, 2)).Append(Asm.Exit());
        var r = Api.ProgLoad(new ProgLoadRequest { ProgType = Xdp, Instructions = Asm.Encode(insns), License = "GPL" },
            LogOptions.Default with { Level = 2, InitialSize = 256 });
        Assert.False(r.Succeeded);
        Assert.Equal(Errno.EACCES, r.Errno);
        Assert.Contains("R2 !read_ok", r.Log);
        Assert.True(r.LogBufferSize > 256);
        Assert.False(r.LogTruncated);
    }

    [BpfFact]
    public void PoisonedCall_KernelSaysInvalidFuncUnknown()
    {
        var r = Api.ProgLoad(new ProgLoadRequest
        {
            ProgType = Xdp, Instructions = Asm.Encode(Asm.Mov64Imm(0, 0), Asm.Call(KfuncFixups.PoisonCallKfuncBase + 5), Asm.Mov64Imm(0, 2), Asm.Exit()), License = "GPL",
        });
        Assert.False(r.Succeeded);
        Assert.Contains("invalid func unknown#2002000005", r.Log);
    }

    [BpfFact]
    public void KernelBtf_VmlinuxIsFirstKernelBtfObject()
    {
        var id = Api.BtfGetNextId(0);
        Assert.NotNull(id);
        using var fd = Api.BtfGetFdById(id!.Value);
        var info = Api.BtfInfo(fd);
        Assert.Equal("vmlinux", info.Name);
        Assert.True(info.KernelBtf);
        Assert.True(info.Size > 1_000_000);
    }

    [BpfFact]
    public void FeatureProbe_Kernel618_SupportsEveryBtfKind()
    {
        var f = CompatService.Loader.Btf.BtfFeatureProbe.Probe(Api);
        Assert.Equal(KernelBtfFeatures.All, f);
    }
}

public class RealPinTests
{
    [BpffsFact]
    public void Load_WithPinDirectory_PinsTheProgramUnderBpffs()
    {
        using var bpffs = Bpffs.Open();
        var dir = Path.Combine(bpffs.Path, "compat-agent-test-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var session = Host.Session;
            var obj = CompatService.Engine.CompatEngine.OpenObject(File.ReadAllBytes(
                Path.Combine(CompatService.Tests.Shared.TestPaths.Fixtures, "bpf", "xdp_pass.bpfel.o")));
            using var loaded = new CompatService.Loader.Loading.ObjectLoader(session.Bpf).Load(obj, session.LoadTarget(),
                new CompatService.Loader.Loading.LoadOptions { ObjectName = "xdp_pass", PinDirectory = dir });
            Assert.True(loaded.Programs.Single().Loaded);
            Assert.True(File.Exists(Path.Combine(dir, "xdp_pass")));
        }
        finally
        {
            foreach (var f in Directory.GetFiles(dir)) File.Delete(f);
            Directory.Delete(dir);
        }
    }
}
