using System.Buffers.Binary;
using System.Text;

namespace CompatService.Api.Tests.Infrastructure;

/// <summary>
/// Builds small, valid raw BTF blobs (little-endian) so kernel ingest tests run on a fresh clone without the corpus:
/// an int, one FUNC_PROTO, FUNCs (optionally tagged bpf_kfunc), one VAR and optional enums (e.g. a kernel's
/// <c>enum bpf_prog_type</c>, which the engine needs to judge a program's type).
/// </summary>
public static class TinyBtf
{
    /// <summary>A kernel enum <c>bpf_prog_type</c> that knows syscall programs (the fixtures' kconfig test program type).</summary>
    public static readonly (string Name, string[] Values)[] SyscallProgType = [("bpf_prog_type", ["BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_SYSCALL"])];

    public static byte[] Build(IReadOnlyList<string> funcs, bool tagged = true, string varName = "tiny_var", int paramCount = 1,
        IReadOnlyList<(string Name, string[] Values)>? enums = null)
    {
        var strings = new MemoryStream();
        strings.WriteByte(0);
        uint Str(string s)
        {
            var off = (uint)strings.Length;
            var b = Encoding.UTF8.GetBytes(s);
            strings.Write(b);
            strings.WriteByte(0);
            return off;
        }
        var types = new MemoryStream();
        void U32(uint v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); types.Write(b); }
        static uint Info(uint kind, uint vlen = 0) => (kind << 24) | vlen;

        // [1] INT int size 4 signed 32 bits
        U32(Str("int")); U32(Info(1)); U32(4); U32((1u << 24) | 32);
        // [2] FUNC_PROTO int (int, ...)
        U32(0); U32(Info(13, (uint)paramCount)); U32(1);
        for (var i = 0; i < paramCount; i++) { U32(Str("a" + i)); U32(1); }
        var next = 3u;
        // [3] VAR
        U32(Str(varName)); U32(Info(14)); U32(1); U32(1);
        next++;
        foreach (var f in funcs)
        {
            var funcId = next++;
            U32(Str(f)); U32(Info(12, 1)); U32(2); // FUNC, global linkage
            if (tagged)
            {
                next++;
                U32(Str("bpf_kfunc")); U32(Info(17)); U32(funcId); U32(unchecked((uint)-1));
            }
        }
        foreach (var (name, values) in enums ?? [])
        {
            U32(Str(name)); U32(Info(6, (uint)values.Length)); U32(4);
            for (var i = 0; i < values.Length; i++) { U32(Str(values[i])); U32((uint)i); }
        }
        var t = types.ToArray();
        var s = strings.ToArray();
        var blob = new byte[24 + t.Length + s.Length];
        BinaryPrimitives.WriteUInt16LittleEndian(blob, 0xeB9F);
        blob[2] = 1; // version
        blob[3] = 0; // flags
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), (uint)t.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), (uint)t.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)s.Length);
        t.CopyTo(blob, 24);
        s.CopyTo(blob, 24 + t.Length);
        return blob;
    }

    public static byte[] Gzip(byte[] data, System.IO.Compression.CompressionLevel level = System.IO.Compression.CompressionLevel.Fastest)
    {
        using var ms = new MemoryStream();
        using (var gz = new System.IO.Compression.GZipStream(ms, level)) gz.Write(data);
        return ms.ToArray();
    }
}
