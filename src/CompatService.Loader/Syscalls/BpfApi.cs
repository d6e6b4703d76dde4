using CompatService.Engine.Preparation;

namespace CompatService.Loader.Syscalls;

/// <summary>Typed bpf(2) commands over an <see cref="IBpfSyscalls"/> seam: lays out bpf_attr, pins buffers, wraps fds.</summary>
public sealed unsafe class BpfApi(IBpfSyscalls sys)
{
    public IBpfSyscalls Sys { get; } = sys;

    public BpfFd MapCreate(MapCreateRequest r)
    {
        Span<byte> a = stackalloc byte[r.ValueTypeBtfObjFd != 0 ? BpfAttr.MapCreate.SizeWithValueTypeObjFd : BpfAttr.MapCreate.Size];
        a.Clear();
        if (r.ValueTypeBtfObjFd != 0) BpfAttr.I32(a, BpfAttr.MapCreate.ValueTypeBtfObjFd, r.ValueTypeBtfObjFd);
        var d = r.Definition;
        BpfAttr.U32(a, BpfAttr.MapCreate.MapType, d.Type);
        BpfAttr.U32(a, BpfAttr.MapCreate.KeySize, d.KeySize);
        BpfAttr.U32(a, BpfAttr.MapCreate.ValueSize, d.ValueSize);
        BpfAttr.U32(a, BpfAttr.MapCreate.MaxEntries, d.MaxEntries);
        BpfAttr.U32(a, BpfAttr.MapCreate.MapFlags, d.Flags);
        BpfAttr.I32(a, BpfAttr.MapCreate.InnerMapFd, r.InnerMapFd);
        BpfAttr.Name(a, BpfAttr.MapCreate.MapName, r.Name);
        BpfAttr.I32(a, BpfAttr.MapCreate.BtfFd, r.Btf.Fd);
        BpfAttr.U32(a, BpfAttr.MapCreate.BtfKeyTypeId, r.Btf.KeyTypeId);
        BpfAttr.U32(a, BpfAttr.MapCreate.BtfValueTypeId, r.Btf.ValueTypeId);
        BpfAttr.U32(a, BpfAttr.MapCreate.BtfVmlinuxValueTypeId, r.Btf.VmlinuxValueTypeId);
        BpfAttr.U64(a, BpfAttr.MapCreate.MapExtra, r.MapExtra);
        return Fd(BpfCommand.MapCreate, Sys.Bpf(BpfCommand.MapCreate, a), $"map '{r.Name}' create");
    }

    public void MapUpdateElem(BpfFd map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags = 0)
    {
        Span<byte> a = stackalloc byte[BpfAttr.MapElem.Size];
        a.Clear();
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            BpfAttr.I32(a, BpfAttr.MapElem.MapFd, map.Value);
            BpfAttr.Ptr(a, BpfAttr.MapElem.Key, k);
            BpfAttr.Ptr(a, BpfAttr.MapElem.Value, v);
            BpfAttr.U64(a, BpfAttr.MapElem.Flags, flags);
            Check(BpfCommand.MapUpdateElem, Sys.Bpf(BpfCommand.MapUpdateElem, a), "map update");
        }
    }

    public void MapDeleteElem(BpfFd map, ReadOnlySpan<byte> key)
    {
        Span<byte> a = stackalloc byte[BpfAttr.MapElem.Size];
        a.Clear();
        fixed (byte* k = key)
        {
            BpfAttr.I32(a, BpfAttr.MapElem.MapFd, map.Value);
            BpfAttr.Ptr(a, BpfAttr.MapElem.Key, k);
            Check(BpfCommand.MapDeleteElem, Sys.Bpf(BpfCommand.MapDeleteElem, a), "map delete");
        }
    }

    public void MapFreeze(BpfFd map)
    {
        Span<byte> a = stackalloc byte[BpfAttr.MapFreeze.Size];
        a.Clear();
        BpfAttr.I32(a, BpfAttr.MapFreeze.MapFd, map.Value);
        Check(BpfCommand.MapFreeze, Sys.Bpf(BpfCommand.MapFreeze, a), "map freeze");
    }

    public void ObjPin(BpfFd fd, string path)
    {
        Span<byte> a = stackalloc byte[BpfAttr.ObjPin.Size];
        a.Clear();
        fixed (byte* p = BpfAttr.CString(path))
        {
            BpfAttr.Ptr(a, BpfAttr.ObjPin.Pathname, p);
            BpfAttr.I32(a, BpfAttr.ObjPin.BpfFd, fd.Value);
            Check(BpfCommand.ObjPin, Sys.Bpf(BpfCommand.ObjPin, a), $"pin {path}");
        }
    }

    /// <summary>The next BTF object id after <paramref name="startId"/>, or null at the end (ENOENT).</summary>
    public uint? BtfGetNextId(uint startId)
    {
        Span<byte> a = stackalloc byte[BpfAttr.GetId.Size];
        a.Clear();
        BpfAttr.U32(a, BpfAttr.GetId.StartId, startId);
        var r = Sys.Bpf(BpfCommand.BtfGetNextId, a);
        if (r == -Errno.ENOENT) return null;
        Check(BpfCommand.BtfGetNextId, r, "BTF get next id");
        return BpfAttr.ReadU32(a, BpfAttr.GetId.NextId);
    }

    public BpfFd BtfGetFdById(uint id)
    {
        Span<byte> a = stackalloc byte[BpfAttr.GetId.Size];
        a.Clear();
        BpfAttr.U32(a, BpfAttr.GetId.StartId, id);
        return Fd(BpfCommand.BtfGetFdById, Sys.Bpf(BpfCommand.BtfGetFdById, a), $"BTF get fd by id {id}");
    }

    public BtfObjectInfo BtfInfo(BpfFd btf)
    {
        Span<byte> a = stackalloc byte[BpfAttr.InfoByFd.Size];
        Span<byte> info = stackalloc byte[BpfAttr.BtfInfo.Size];
        Span<byte> name = stackalloc byte[64];
        a.Clear(); info.Clear(); name.Clear();
        fixed (byte* n = name)
        fixed (byte* i = info)
        {
            BpfAttr.Ptr(info, BpfAttr.BtfInfo.Name, n);
            BpfAttr.U32(info, BpfAttr.BtfInfo.NameLen, (uint)name.Length);
            BpfAttr.I32(a, BpfAttr.InfoByFd.BpfFd, btf.Value);
            BpfAttr.U32(a, BpfAttr.InfoByFd.InfoLen, (uint)info.Length);
            BpfAttr.Ptr(a, BpfAttr.InfoByFd.Info, i);
            Check(BpfCommand.ObjGetInfoByFd, Sys.Bpf(BpfCommand.ObjGetInfoByFd, a), "BTF info");
        }
        return new BtfObjectInfo(BpfAttr.ReadU32(info, BpfAttr.BtfInfo.Id), BpfAttr.FromCString(name),
            BpfAttr.ReadU32(info, BpfAttr.BtfInfo.KernelBtf) != 0, BpfAttr.ReadU32(info, BpfAttr.BtfInfo.BtfSize));
    }

    /// <summary>BPF_BTF_LOAD: first without a log; on failure again with a growing log buffer.</summary>
    public LoadResult BtfLoad(ReadOnlySpan<byte> btf, LogOptions? log = null)
    {
        log ??= LogOptions.Default;
        fixed (byte* bp = btf)
        {
            var size = (uint)btf.Length;
            var b = (nint)bp;
            return WithLog(BpfCommand.BtfLoad, log, 1, (logBuf, logSize, level) =>
            {
                Span<byte> a = stackalloc byte[BpfAttr.BtfLoad.Size];
                a.Clear();
                BpfAttr.Ptr(a, BpfAttr.BtfLoad.Btf, b);
                BpfAttr.U32(a, BpfAttr.BtfLoad.BtfSize, size);
                BpfAttr.Ptr(a, BpfAttr.BtfLoad.LogBuf, logBuf);
                BpfAttr.U32(a, BpfAttr.BtfLoad.LogSize, logSize);
                BpfAttr.U32(a, BpfAttr.BtfLoad.LogLevel, level);
                var r = Sys.Bpf(BpfCommand.BtfLoad, a);
                return (r, BpfAttr.ReadU32(a, BpfAttr.BtfLoad.LogTrueSize));
            });
        }
    }

    /// <summary>
    /// BPF_PROG_LOAD the way libbpf does: without a log first (retrying EAGAIN); when that fails, again with
    /// log_level 1 and a buffer that doubles (or jumps to log_true_size) on ENOSPC until the log fits or the cap is hit.
    /// The errno reported is the first attempt's.
    /// </summary>
    public LoadResult ProgLoad(ProgLoadRequest r, LogOptions? log = null)
    {
        log ??= LogOptions.Default;
        var fdArray = r.FdArray is { Count: > 0 } ? r.FdArray.ToArray() : null;
        fixed (byte* insnsP = r.Instructions.Span)
        fixed (byte* licenseP = BpfAttr.CString(r.License))
        fixed (byte* funcInfoP = r.FuncInfo.Records.Span)
        fixed (byte* lineInfoP = r.LineInfo.Records.Span)
        fixed (int* fdsP = fdArray)
        {
            nint insns = (nint)insnsP, license = (nint)licenseP, funcInfo = (nint)funcInfoP, lineInfo = (nint)lineInfoP, fds = (nint)fdsP;
            var insnCnt = (uint)(r.Instructions.Length / 8);
            return WithLog(BpfCommand.ProgLoad, log, log.EagainAttempts, (logBuf, logSize, level) =>
            {
                Span<byte> a = stackalloc byte[BpfAttr.ProgLoad.Size];
                a.Clear();
                BpfAttr.U32(a, BpfAttr.ProgLoad.ProgType, r.ProgType);
                BpfAttr.U32(a, BpfAttr.ProgLoad.InsnCnt, insnCnt);
                BpfAttr.Ptr(a, BpfAttr.ProgLoad.Insns, insns);
                BpfAttr.Ptr(a, BpfAttr.ProgLoad.License, license);
                BpfAttr.U32(a, BpfAttr.ProgLoad.LogLevel, level);
                BpfAttr.U32(a, BpfAttr.ProgLoad.LogSize, logSize);
                BpfAttr.Ptr(a, BpfAttr.ProgLoad.LogBuf, logBuf);
                BpfAttr.U32(a, BpfAttr.ProgLoad.KernVersion, r.KernVersion);
                BpfAttr.U32(a, BpfAttr.ProgLoad.ProgFlags, r.Flags);
                BpfAttr.Name(a, BpfAttr.ProgLoad.ProgName, r.Name);
                BpfAttr.U32(a, BpfAttr.ProgLoad.ExpectedAttachType, r.ExpectedAttachType);
                BpfAttr.I32(a, BpfAttr.ProgLoad.ProgBtfFd, r.ProgBtfFd);
                ExtInfoAttr(a, r.FuncInfo, funcInfo, BpfAttr.ProgLoad.FuncInfoRecSize, BpfAttr.ProgLoad.FuncInfo, BpfAttr.ProgLoad.FuncInfoCnt);
                ExtInfoAttr(a, r.LineInfo, lineInfo, BpfAttr.ProgLoad.LineInfoRecSize, BpfAttr.ProgLoad.LineInfo, BpfAttr.ProgLoad.LineInfoCnt);
                BpfAttr.U32(a, BpfAttr.ProgLoad.AttachBtfId, r.AttachBtfId);
                BpfAttr.I32(a, BpfAttr.ProgLoad.AttachBtfObjFd, r.AttachBtfObjFd);
                if (fds != 0) BpfAttr.Ptr(a, BpfAttr.ProgLoad.FdArray, fds);
                var res = Sys.Bpf(BpfCommand.ProgLoad, a);
                return (res, BpfAttr.ReadU32(a, BpfAttr.ProgLoad.LogTrueSize));
            });
        }
    }

    /// <summary>func_info or line_info: rec_size, pointer and count, written only when there are records.</summary>
    private static void ExtInfoAttr(Span<byte> a, ExtInfoRecords records, nint pointer, int recSizeAt, int pointerAt, int countAt)
    {
        if (records.Count == 0) return;
        BpfAttr.U32(a, recSizeAt, records.RecSize);
        BpfAttr.Ptr(a, pointerAt, pointer);
        BpfAttr.U32(a, countAt, records.Count);
    }

    private delegate (long Result, uint LogTrueSize) Attempt(nint logBuf, uint logSize, uint level);

    private LoadResult WithLog(BpfCommand cmd, LogOptions log, int eagainAttempts, Attempt attempt)
    {
        var attempts = 0;
        long first;
        if (!log.AlwaysLog)
        {
            first = Retry(() => attempt(0, 0, 0).Result);
            if (first >= 0) return new LoadResult(new BpfFd(Sys, (int)first), 0, "", attempts, 0, false);
        }
        else first = 0;

        var size = Math.Max(256, log.InitialSize);
        while (true)
        {
            var buf = new byte[size];
            (long Result, uint LogTrueSize) r;
            fixed (byte* p = buf)
            {
                var bufPtr = (nint)p;
                r = RetryWithSize(() => attempt(bufPtr, (uint)buf.Length, log.Level));
            }
            var text = BpfAttr.FromCString(buf);
            if (r.Result >= 0)
            {
                // Loads with a log but not without one: report success (the log is informational).
                return new LoadResult(new BpfFd(Sys, (int)r.Result), 0, text, attempts, size, false);
            }
            if (r.Result == -Errno.ENOSPC && size < log.MaxSize)
            {
                var want = r.LogTrueSize > (uint)size ? (long)r.LogTrueSize : (long)size * 2;
                size = (int)Math.Min(log.MaxSize, want);
                continue;
            }
            var errno = first < 0 ? (int)-first : (int)-r.Result;
            return new LoadResult(null, errno, text, attempts, size, r.Result == -Errno.ENOSPC);
        }

        long Retry(Func<long> call)
        {
            long res;
            do { res = call(); attempts++; } while (res == -Errno.EAGAIN && attempts < eagainAttempts);
            return res;
        }

        (long, uint) RetryWithSize(Func<(long, uint)> call)
        {
            (long Result, uint) res;
            var n = 0;
            do { res = call(); attempts++; n++; } while (res.Result == -Errno.EAGAIN && n < eagainAttempts);
            return res;
        }
    }

    private BpfFd Fd(BpfCommand cmd, long r, string what)
    {
        Check(cmd, r, what);
        return new BpfFd(Sys, (int)r);
    }

    private static void Check(BpfCommand cmd, long r, string what)
    {
        if (r < 0) throw new BpfException(cmd, (int)-r, what);
    }
}
