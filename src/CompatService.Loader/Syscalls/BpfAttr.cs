using System.Runtime.InteropServices;
using System.Text;

namespace CompatService.Loader.Syscalls;

/// <summary>
/// Field offsets of <c>union bpf_attr</c> (include/uapi/linux/bpf.h) per command, and small writers.
/// Sizes cover the last field the loader sets; the kernel zero-checks anything beyond what it knows.
/// </summary>
public static class BpfAttr
{
    public static class MapCreate
    {
        /// <summary>Up to map_extra; <see cref="SizeWithValueTypeObjFd"/> when value_type_btf_obj_fd is set (6.9+).</summary>
        public const int Size = 72, SizeWithValueTypeObjFd = 80;
        public const int MapType = 0, KeySize = 4, ValueSize = 8, MaxEntries = 12, MapFlags = 16, InnerMapFd = 20,
            NumaNode = 24, MapName = 28, MapIfindex = 44, BtfFd = 48, BtfKeyTypeId = 52, BtfValueTypeId = 56,
            BtfVmlinuxValueTypeId = 60, MapExtra = 64, ValueTypeBtfObjFd = 72;
    }

    public static class MapElem
    {
        public const int Size = 32;
        public const int MapFd = 0, Key = 8, Value = 16, Flags = 24;
    }

    public static class MapFreeze
    {
        public const int Size = 8;
        public const int MapFd = 0;
    }

    public static class ProgLoad
    {
        /// <summary>Up to and including log_true_size (6.4+ writes it back).</summary>
        public const int Size = 144;
        public const int ProgType = 0, InsnCnt = 4, Insns = 8, License = 16, LogLevel = 24, LogSize = 28, LogBuf = 32,
            KernVersion = 40, ProgFlags = 44, ProgName = 48, ProgIfindex = 64, ExpectedAttachType = 68, ProgBtfFd = 72,
            FuncInfoRecSize = 76, FuncInfo = 80, FuncInfoCnt = 88, LineInfoRecSize = 92, LineInfo = 96, LineInfoCnt = 104,
            AttachBtfId = 108, AttachBtfObjFd = 112, CoreReloCnt = 116, FdArray = 120, CoreRelos = 128,
            CoreReloRecSize = 136, LogTrueSize = 140;
    }

    public static class ObjPin
    {
        public const int Size = 16;
        public const int Pathname = 0, BpfFd = 8, FileFlags = 12;
    }

    public static class BtfLoad
    {
        public const int Size = 32;
        public const int Btf = 0, LogBuf = 8, BtfSize = 16, LogSize = 20, LogLevel = 24, LogTrueSize = 28;
    }

    /// <summary>BTF_GET_NEXT_ID (start_id → next_id) and BTF_GET_FD_BY_ID (btf_id).</summary>
    public static class GetId
    {
        public const int Size = 12;
        public const int StartId = 0, NextId = 4, OpenFlags = 8;
    }

    public static class InfoByFd
    {
        public const int Size = 16;
        public const int BpfFd = 0, InfoLen = 4, Info = 8;
    }

    /// <summary>struct bpf_btf_info.</summary>
    public static class BtfInfo
    {
        public const int Size = 32;
        public const int Btf = 0, BtfSize = 8, Id = 12, Name = 16, NameLen = 24, KernelBtf = 28;
    }

    public static void U32(Span<byte> a, int off, uint v) => MemoryMarshal.Write(a[off..], in v);
    public static void I32(Span<byte> a, int off, int v) => MemoryMarshal.Write(a[off..], in v);
    public static void U64(Span<byte> a, int off, ulong v) => MemoryMarshal.Write(a[off..], in v);
    public static unsafe void Ptr(Span<byte> a, int off, void* p) => U64(a, off, (ulong)(nuint)p);
    public static void Ptr(Span<byte> a, int off, nint p) => U64(a, off, (ulong)p);
    public static uint ReadU32(ReadOnlySpan<byte> a, int off) => MemoryMarshal.Read<uint>(a[off..]);
    public static ulong ReadU64(ReadOnlySpan<byte> a, int off) => MemoryMarshal.Read<ulong>(a[off..]);

    /// <summary>Writes an object name (map / program) the way libbpf does: at most 15 bytes, only [A-Za-z0-9_.].</summary>
    public static void Name(Span<byte> a, int off, string? name)
    {
        if (string.IsNullOrEmpty(name)) return;
        var n = 0;
        foreach (var c in name)
        {
            if (n == BpfConst.ObjNameLen - 1) break;
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '.')) continue;
            a[off + n++] = (byte)c;
        }
    }

    /// <summary>NUL-terminated UTF-8 copy for string pointers (license, path).</summary>
    public static byte[] CString(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    /// <summary>Reads a NUL-terminated string out of a log buffer.</summary>
    public static string FromCString(ReadOnlySpan<byte> buf)
    {
        var end = buf.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? buf : buf[..end]);
    }
}
