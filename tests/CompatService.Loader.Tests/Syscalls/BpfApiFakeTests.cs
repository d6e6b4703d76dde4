using System.Runtime.InteropServices;
using System.Text;
using CompatService.Tests.Shared;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Tests.Syscalls;

public class BpfApiFakeTests
{
    private static ProgLoadRequest Xdp(IReadOnlyList<int>? fdArray = null) => new()
    {
        ProgType = 6, Instructions = Asm.Encode(Asm.Mov64Imm(0, 2), Asm.Exit()), License = "GPL", Name = "xdp-prog!", FdArray = fdArray,
    };

    [Fact]
    public void ProgLoad_LaysOutAttrAtKernelOffsets()
    {
        var fake = new FakeBpfSyscalls();
        using var fd = new BpfApi(fake).ProgLoad(Xdp() with { ExpectedAttachType = 37, AttachBtfId = 99, Flags = BpfConst.FSleepable }).Fd;

        var call = Assert.Single(fake.Calls);
        Assert.Equal(BpfCommand.ProgLoad, call.Command);
        Assert.Equal(BpfAttr.ProgLoad.Size, call.Attr.Length);
        Assert.Equal(6u, call.U32(0));        // prog_type
        Assert.Equal(2u, call.U32(4));        // insn_cnt
        Assert.Equal(0u, call.U32(24));       // log_level: first attempt without a log
        Assert.Equal(BpfConst.FSleepable, call.U32(44));
        Assert.Equal(37u, call.U32(68));      // expected_attach_type
        Assert.Equal(99u, call.U32(108));     // attach_btf_id
        Assert.Equal(0ul, call.U64(120));     // no fd_array
        Assert.Equal("GPL", call.License);
        Assert.Equal("xdpprog", call.Name);   // only [A-Za-z0-9_.] kept
        Assert.Equal([(0xb7, 0, 0, 0, 2), (0x95, 0, 0, 0, 0)], call.DecodedInstructions().Select(i => ((int)i.Code, (int)i.Dst, (int)i.Src, (int)i.Off, i.Imm)));
        Assert.NotNull(fd);
    }

    [Fact]
    public void ProgLoad_FdArrayPointerPassedWithSlots()
    {
        var fake = new FakeBpfSyscalls();
        var req = Xdp([0, 41, 42]) with { Instructions = Asm.Encode(Asm.KfuncCall(7, 2), Asm.Mov64Imm(0, 2), Asm.Exit()) };
        using var _ = new BpfApi(fake).ProgLoad(req).Fd;
        var call = Assert.Single(fake.Calls);
        Assert.NotEqual(0ul, call.U64(BpfAttr.ProgLoad.FdArray));
        Assert.Equal([0, 41, 42], call.FdArray!);
    }

    [Fact]
    public void ProgLoad_RetriesEagainUpToFiveAttempts()
    {
        var fake = new FakeBpfSyscalls();
        var n = 0;
        fake.Handlers[BpfCommand.ProgLoad] = _ => ++n < 3 ? -Errno.EAGAIN : fake.NextFd();
        var r = new BpfApi(fake).ProgLoad(Xdp());
        using var fd = r.Fd;
        Assert.True(r.Succeeded);
        Assert.Equal(3, r.Attempts);

        var always = new FakeBpfSyscalls();
        always.Handlers[BpfCommand.ProgLoad] = c => c.LogLevel == 0 ? -Errno.EAGAIN : -Errno.EAGAIN;
        var failed = new BpfApi(always).ProgLoad(Xdp(), LogOptions.Default with { InitialSize = 1024 });
        Assert.False(failed.Succeeded);
        Assert.Equal(Errno.EAGAIN, failed.Errno);
        Assert.Equal(5, always.Calls.Count(c => c.LogLevel == 0));
    }

    [Fact]
    public void ProgLoad_FailureReloadsWithLogThatGrowsUntilItFits()
    {
        var log = string.Concat(Enumerable.Range(0, 400).Select(i => $"{i}: (b7) r0 = {i}\n")) + "R2 !read_ok\n";
        var fake = new FakeBpfSyscalls();
        fake.Handlers[BpfCommand.ProgLoad] = c =>
        {
            if (c.LogLevel == 0) return -Errno.EACCES;
            return c.WriteLog(log) ? -Errno.EACCES : -Errno.ENOSPC;
        };
        var r = new BpfApi(fake).ProgLoad(Xdp(), LogOptions.Default with { InitialSize = 512 });

        Assert.False(r.Succeeded);
        Assert.Equal(Errno.EACCES, r.Errno);
        Assert.Equal(log, r.Log);
        Assert.False(r.LogTruncated);
        var sizes = fake.Calls.Where(c => c.LogLevel == 1).Select(c => c.LogSize).ToArray();
        Assert.Equal(512u, sizes[0]);
        // log_true_size lets the second logged attempt jump straight to the needed size
        Assert.Equal((uint)Encoding.UTF8.GetByteCount(log) + 1, sizes[^1]);
    }

    [Fact]
    public void ProgLoad_LogGrowthWithoutTrueSizeDoublesUpToCap()
    {
        var fake = new FakeBpfSyscalls();
        fake.Handlers[BpfCommand.ProgLoad] = c => c.LogLevel == 0 ? -Errno.EINVAL : -Errno.ENOSPC; // never fits, no true size
        var r = new BpfApi(fake).ProgLoad(Xdp(), LogOptions.Default with { InitialSize = 1024, MaxSize = 8192 });
        Assert.Equal(Errno.EINVAL, r.Errno); // the first attempt's errno, not ENOSPC
        Assert.True(r.LogTruncated);
        Assert.Equal([1024u, 2048u, 4096u, 8192u], fake.Calls.Where(c => c.LogLevel == 1).Select(c => c.LogSize));
    }

    [Fact]
    public void MapCreate_LaysOutAttrAndSanitisesName()
    {
        var fake = new FakeBpfSyscalls();
        using var fd = new BpfApi(fake).MapCreate(new MapCreateRequest
        {
            Definition = new(BpfConst.MapTypeArray, 4, 16, 1, BpfConst.FRdonlyProg | BpfConst.FMmapable),
            Name = "my_object.rodata-long-name", Btf = new(7, 0, 12), InnerMapFd = 0, MapExtra = 5,
        });
        var c = Assert.Single(fake.Calls);
        Assert.Equal(BpfAttr.MapCreate.Size, c.Attr.Length);
        Assert.Equal([2u, 4u, 16u, 1u, BpfConst.FRdonlyProg | BpfConst.FMmapable], new[] { c.U32(0), c.U32(4), c.U32(8), c.U32(12), c.U32(16) });
        Assert.Equal("my_object.rodat", c.Name);
        Assert.Equal(7u, c.U32(48));
        Assert.Equal(12u, c.U32(56));
        Assert.Equal(5ul, c.U64(64));
    }

    [Fact]
    public void MapCreate_FailureThrowsWithErrno()
    {
        var fake = new FakeBpfSyscalls();
        fake.Handlers[BpfCommand.MapCreate] = _ => -Errno.EINVAL;
        var e = Assert.Throws<BpfException>(() => new BpfApi(fake).MapCreate(new MapCreateRequest { Definition = new(2, 0, 0, 0), Name = "m" }));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("EINVAL", e.Message);
    }

    [Fact]
    public void MapUpdateElem_AndFreeze_PassKeyValueAndFd()
    {
        var fake = new FakeBpfSyscalls();
        var api = new BpfApi(fake);
        using var map = api.MapCreate(new MapCreateRequest { Definition = new(2, 4, 3, 1) });
        api.MapUpdateElem(map, [0, 0, 0, 0], [1, 2, 3]);
        api.MapFreeze(map);
        var update = fake.Calls[1];
        Assert.Equal((uint)map.Value, update.U32(0));
        Assert.Equal(new byte[] { 1, 2, 3 }, update.Value);
        Assert.Equal((uint)map.Value, fake.Calls[2].U32(0));
        Assert.Equal(BpfCommand.MapFreeze, fake.Calls[2].Command);
    }

    [Fact]
    public void BtfIds_IterateAndReadInfo()
    {
        var fake = new FakeBpfSyscalls();
        fake.BtfObjects[1] = ("vmlinux", true);
        fake.BtfObjects[7] = ("nf_conntrack", true);
        var api = new BpfApi(fake);
        Assert.Equal(1u, api.BtfGetNextId(0));
        Assert.Equal(7u, api.BtfGetNextId(1));
        Assert.Null(api.BtfGetNextId(7));
        using var fd = api.BtfGetFdById(7);
        var info = api.BtfInfo(fd);
        Assert.Equal(new BtfObjectInfo(7, "nf_conntrack", true, 0), info);
    }

    [Fact]
    public void ObjPin_PassesPathAndFd()
    {
        var fake = new FakeBpfSyscalls();
        var api = new BpfApi(fake);
        using var fd = api.MapCreate(new MapCreateRequest { Definition = new(2, 4, 4, 1) });
        api.ObjPin(fd, "/sys/fs/bpf/x");
        Assert.Equal("/sys/fs/bpf/x", fake.Calls[^1].Path);
        Assert.Equal((uint)fd.Value, fake.Calls[^1].U32(8));
    }

    [Fact]
    public void BpfFd_DisposeClosesThroughSeamOnce()
    {
        var fake = new FakeBpfSyscalls();
        var fd = new BpfApi(fake).MapCreate(new MapCreateRequest { Definition = new(2, 4, 4, 1) });
        var n = fd.Value;
        fd.Dispose();
        fd.Dispose();
        Assert.Equal([n], fake.Closed);
        Assert.Throws<ObjectDisposedException>(() => fd.Value);
    }

    [Fact]
    public void AttrSizes_MatchUapiLayout()
    {
        // offsets of the last field each command sets, from include/uapi/linux/bpf.h
        Assert.Equal(140, BpfAttr.ProgLoad.LogTrueSize);
        Assert.Equal(120, BpfAttr.ProgLoad.FdArray);
        Assert.Equal(64, BpfAttr.MapCreate.MapExtra);
        Assert.Equal(28, BpfAttr.BtfLoad.LogTrueSize);
        Assert.Equal(8, Marshal.SizeOf<ulong>());
    }
}
