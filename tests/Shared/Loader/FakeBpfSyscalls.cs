using System.Runtime.InteropServices;
using System.Text;
using CompatService.Engine.Asm;
using CompatService.Loader.Syscalls;

namespace CompatService.Tests.Shared;

/// <summary>One recorded bpf(2) call: the attr bytes as passed and copies of what its pointers pointed to.</summary>
public sealed class FakeBpfCall
{
    public required BpfCommand Command { get; init; }
    /// <summary>The bpf_attr bytes exactly as the loader laid them out (pointer fields hold real addresses).</summary>
    public required byte[] Attr { get; init; }
    public byte[]? Instructions { get; init; }
    public int[]? FdArray { get; init; }
    public string? License { get; init; }
    public string? Name { get; init; }
    public byte[]? FuncInfo { get; init; }
    public byte[]? LineInfo { get; init; }
    public byte[]? Btf { get; init; }
    public byte[]? Key { get; init; }
    public byte[]? Value { get; init; }
    public string? Path { get; init; }
    public uint LogLevel { get; init; }
    public uint LogSize { get; init; }
    internal nint LogBuf { get; init; }
    internal uint LogTrueSize { get; private set; }

    public uint U32(int offset) => BpfAttr.ReadU32(Attr, offset);
    public ulong U64(int offset) => BpfAttr.ReadU64(Attr, offset);

    /// <summary>Writes <paramref name="text"/> into the caller's log buffer like the kernel; false when it did not fit.</summary>
    public unsafe bool WriteLog(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        LogTrueSize = (uint)bytes.Length + 1;
        if (LogBuf == 0 || LogSize == 0) return false;
        var dst = new Span<byte>((void*)LogBuf, (int)LogSize);
        var n = Math.Min(bytes.Length, dst.Length - 1);
        bytes.AsSpan(0, n).CopyTo(dst);
        dst[n] = 0;
        return n == bytes.Length;
    }

    /// <summary>Instruction slots decoded as (code, dst, src, off, imm), little-endian host order.</summary>
    public (byte Code, byte Dst, byte Src, short Off, int Imm)[] DecodedInstructions()
    {
        var insns = Instructions ?? [];
        var result = new (byte, byte, byte, short, int)[insns.Length / 8];
        for (var i = 0; i < result.Length; i++)
        {
            var s = insns.AsSpan(i * 8, 8);
            result[i] = (s[0], (byte)(s[1] & 0xf), (byte)(s[1] >> 4), MemoryMarshal.Read<short>(s[2..]), MemoryMarshal.Read<int>(s[4..]));
        }
        return result;
    }
}

/// <summary>
/// A scripted bpf(2) for unit tests: records every call (and its attr bytes), hands out fake fds, answers through
/// per-command handlers (return ≥ 0 for success or -errno). Closes are recorded so tests can check nothing leaks.
/// </summary>
public sealed class FakeBpfSyscalls : IBpfSyscalls
{
    private int _nextFd = 100;

    public List<FakeBpfCall> Calls { get; } = [];
    public List<int> Closed { get; } = [];
    /// <summary>Handlers by command; default: fd-returning commands succeed with a fresh fd, others return 0.</summary>
    public Dictionary<BpfCommand, Func<FakeBpfCall, long>> Handlers { get; } = [];
    /// <summary>Kernel BTF objects for BTF_GET_NEXT_ID / GET_FD_BY_ID / OBJ_GET_INFO_BY_FD: id → (name, kernel_btf).</summary>
    public SortedDictionary<uint, (string Name, bool Kernel)> BtfObjects { get; } = [];
    private readonly Dictionary<int, uint> _btfFdToId = [];
    private readonly Dictionary<int, (uint Key, uint Value)> _maps = [];

    public int NextFd() => _nextFd++;

    public IEnumerable<FakeBpfCall> Of(BpfCommand cmd) => Calls.Where(c => c.Command == cmd);

    public void Close(int fd) => Closed.Add(fd);

    public unsafe long Bpf(BpfCommand cmd, Span<byte> attr)
    {
        var call = Record(cmd, attr);
        Calls.Add(call);
        long result;
        if (Handlers.TryGetValue(cmd, out var handler)) result = handler(call);
        else result = Default(cmd, attr);
        if (cmd == BpfCommand.MapCreate && result >= 0)
            _maps[(int)result] = (call.U32(BpfAttr.MapCreate.KeySize), call.U32(BpfAttr.MapCreate.ValueSize));
        if (cmd == BpfCommand.ProgLoad && attr.Length >= BpfAttr.ProgLoad.Size)
            BpfAttr.U32(attr, BpfAttr.ProgLoad.LogTrueSize, call.LogTrueSize);
        if (cmd == BpfCommand.BtfLoad && attr.Length >= BpfAttr.BtfLoad.Size)
            BpfAttr.U32(attr, BpfAttr.BtfLoad.LogTrueSize, call.LogTrueSize);
        return result;
    }

    private unsafe long Default(BpfCommand cmd, Span<byte> attr)
    {
        switch (cmd)
        {
            case BpfCommand.MapCreate:
            case BpfCommand.ProgLoad:
            case BpfCommand.BtfLoad:
                return NextFd();
            case BpfCommand.BtfGetNextId:
            {
                var start = BpfAttr.ReadU32(attr, BpfAttr.GetId.StartId);
                foreach (var id in BtfObjects.Keys)
                    if (id > start) { BpfAttr.U32(attr, BpfAttr.GetId.NextId, id); return 0; }
                return -Errno.ENOENT;
            }
            case BpfCommand.BtfGetFdById:
            {
                var id = BpfAttr.ReadU32(attr, BpfAttr.GetId.StartId);
                if (!BtfObjects.ContainsKey(id)) return -Errno.ENOENT;
                var fd = NextFd();
                _btfFdToId[fd] = id;
                return fd;
            }
            case BpfCommand.ObjGetInfoByFd:
            {
                var fd = (int)BpfAttr.ReadU32(attr, BpfAttr.InfoByFd.BpfFd);
                if (!_btfFdToId.TryGetValue(fd, out var id)) return -Errno.EBADF;
                var (name, kernel) = BtfObjects[id];
                var info = new Span<byte>((void*)(nint)BpfAttr.ReadU64(attr, BpfAttr.InfoByFd.Info), BpfAttr.BtfInfo.Size);
                BpfAttr.U32(info, BpfAttr.BtfInfo.Id, id);
                BpfAttr.U32(info, BpfAttr.BtfInfo.KernelBtf, kernel ? 1u : 0u);
                var nameLen = (int)BpfAttr.ReadU32(info, BpfAttr.BtfInfo.NameLen);
                var dst = new Span<byte>((void*)(nint)BpfAttr.ReadU64(info, BpfAttr.BtfInfo.Name), nameLen);
                var bytes = Encoding.UTF8.GetBytes(name);
                var n = Math.Min(bytes.Length, nameLen - 1);
                bytes.AsSpan(0, n).CopyTo(dst);
                dst[n] = 0;
                return 0;
            }
            default:
                return 0;
        }
    }

    private static unsafe byte[]? Copy(ulong ptr, long len) =>
        ptr == 0 || len <= 0 ? null : new ReadOnlySpan<byte>((void*)(nint)ptr, (int)len).ToArray();

    private static unsafe string? CStr(ulong ptr) =>
        ptr == 0 ? null : Marshal.PtrToStringUTF8((nint)ptr);

    private unsafe FakeBpfCall Record(BpfCommand cmd, ReadOnlySpan<byte> a)
    {
        var attr = a.ToArray();
        switch (cmd)
        {
            case BpfCommand.ProgLoad:
            {
                var cnt = BpfAttr.ReadU32(a, BpfAttr.ProgLoad.InsnCnt);
                var insns = Copy(BpfAttr.ReadU64(a, BpfAttr.ProgLoad.Insns), cnt * 8L);
                int[]? fdArray = null;
                var fdPtr = BpfAttr.ReadU64(a, BpfAttr.ProgLoad.FdArray);
                if (fdPtr != 0)
                {
                    // The kernel reads fd_array lazily by slot; record as many slots as the instructions reference.
                    var maxSlot = 0;
                    for (var i = 0; insns is not null && i + 8 <= insns.Length; i += 8)
                        if (insns[i] == 0x85 && insns[i + 1] >> 4 == Opcodes.PseudoKfuncCall)
                            maxSlot = Math.Max(maxSlot, MemoryMarshal.Read<short>(insns.AsSpan(i + 2)));
                    fdArray = new ReadOnlySpan<int>((void*)(nint)fdPtr, maxSlot + 1).ToArray();
                }
                return new FakeBpfCall
                {
                    Command = cmd, Attr = attr, Instructions = insns, FdArray = fdArray,
                    License = CStr(BpfAttr.ReadU64(a, BpfAttr.ProgLoad.License)),
                    Name = BpfAttr.FromCString(a.Slice(BpfAttr.ProgLoad.ProgName, BpfConst.ObjNameLen)),
                    FuncInfo = Copy(BpfAttr.ReadU64(a, BpfAttr.ProgLoad.FuncInfo),
                        (long)BpfAttr.ReadU32(a, BpfAttr.ProgLoad.FuncInfoCnt) * BpfAttr.ReadU32(a, BpfAttr.ProgLoad.FuncInfoRecSize)),
                    LineInfo = Copy(BpfAttr.ReadU64(a, BpfAttr.ProgLoad.LineInfo),
                        (long)BpfAttr.ReadU32(a, BpfAttr.ProgLoad.LineInfoCnt) * BpfAttr.ReadU32(a, BpfAttr.ProgLoad.LineInfoRecSize)),
                    LogLevel = BpfAttr.ReadU32(a, BpfAttr.ProgLoad.LogLevel),
                    LogSize = BpfAttr.ReadU32(a, BpfAttr.ProgLoad.LogSize),
                    LogBuf = (nint)BpfAttr.ReadU64(a, BpfAttr.ProgLoad.LogBuf),
                };
            }
            case BpfCommand.BtfLoad:
                return new FakeBpfCall
                {
                    Command = cmd, Attr = attr,
                    Btf = Copy(BpfAttr.ReadU64(a, BpfAttr.BtfLoad.Btf), BpfAttr.ReadU32(a, BpfAttr.BtfLoad.BtfSize)),
                    LogLevel = BpfAttr.ReadU32(a, BpfAttr.BtfLoad.LogLevel),
                    LogSize = BpfAttr.ReadU32(a, BpfAttr.BtfLoad.LogSize),
                    LogBuf = (nint)BpfAttr.ReadU64(a, BpfAttr.BtfLoad.LogBuf),
                };
            case BpfCommand.MapCreate:
                return new FakeBpfCall
                {
                    Command = cmd, Attr = attr, Name = BpfAttr.FromCString(a.Slice(BpfAttr.MapCreate.MapName, BpfConst.ObjNameLen)),
                };
            case BpfCommand.MapUpdateElem:
            {
                _maps.TryGetValue((int)BpfAttr.ReadU32(a, BpfAttr.MapElem.MapFd), out var sizes);
                return new FakeBpfCall
                {
                    Command = cmd, Attr = attr, Key = Copy(BpfAttr.ReadU64(a, BpfAttr.MapElem.Key), sizes.Key),
                    Value = Copy(BpfAttr.ReadU64(a, BpfAttr.MapElem.Value), sizes.Value),
                };
            }
            case BpfCommand.ObjPin:
                return new FakeBpfCall { Command = cmd, Attr = attr, Path = CStr(BpfAttr.ReadU64(a, BpfAttr.ObjPin.Pathname)) };
            default:
                return new FakeBpfCall { Command = cmd, Attr = attr };
        }
    }
}
