using System.IO.Compression;
using System.Text;
using CompatService.Engine.Binary;

namespace CompatService.Engine.Kernels.Surface;

/// <summary>
/// The stored form of a <see cref="KernelSurface"/>: "CKS" + format byte, then Brotli over a little-endian stream of
/// length-prefixed strings, the config and KF_* flags, the surface BTF, the kernel ids (delta varints) and the name filter.
/// A blob of another format is refused (<see cref="BpfFormatException"/>); the caller rebuilds it from the full kernel.
/// </summary>
public static class KernelSurfaceCodec
{
    private static ReadOnlySpan<byte> Magic => "CKS"u8;

    public static byte[] Encode(KernelSurface s)
    {
        ArgumentNullException.ThrowIfNull(s);
        using var body = new MemoryStream();
        using (var w = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            var descriptor = s.Descriptor;
            w.Write(descriptor.BtfSha256);
            WriteNullable(w, descriptor.Release);
            w.Write(s.HasKallsyms);
            WriteMap(w, descriptor.Config, (w2, v) => w2.Write(v));
            WriteMap(w, descriptor.KfuncFlags, (w2, v) => w2.Write7BitEncodedInt((int)v));
            WriteBytes(w, s.Btf.Span);
            w.Write7BitEncodedInt(s.KernelIds.Count);
            uint prev = 0;
            foreach (var id in s.KernelIds) { w.Write7BitEncodedInt((int)(id - prev)); prev = id; }
            WriteBytes(w, s.Elsewhere.Bits.Span);
            // format 2: the kallsyms entry points (only when HasKallsyms)
            if (s.KallsymsEntryPoints is { } entries)
            {
                w.Write7BitEncodedInt(entries.Count);
                foreach (var e in entries.Order(StringComparer.Ordinal)) w.Write(e);
            }
        }
        using var output = new MemoryStream();
        output.Write(Magic);
        output.WriteByte(KernelSurface.FormatVersion);
        using (var brotli = new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true)) body.WriteTo(brotli);
        return output.ToArray();
    }

    /// <summary>Whether <paramref name="blob"/> is a surface of the current format.</summary>
    public static bool IsCurrent(ReadOnlySpan<byte> blob) =>
        blob.Length > 4 && blob[..3].SequenceEqual(Magic) && blob[3] == KernelSurface.FormatVersion;

    public static KernelSurface Decode(byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (!IsCurrent(blob)) throw new BpfFormatException($"not a kernel surface of format {KernelSurface.FormatVersion}", 0);
        try
        {
            using var brotli = new BrotliStream(new MemoryStream(blob, 4, blob.Length - 4, writable: false), CompressionMode.Decompress);
            using var r = new BinaryReader(brotli, Encoding.UTF8);
            var sha = r.ReadString();
            var release = ReadNullable(r);
            var kallsyms = r.ReadBoolean();
            var config = ReadMap(r, r2 => r2.ReadString());
            var flags = ReadMap(r, r2 => (uint)r2.Read7BitEncodedInt());
            var btf = ReadBytes(r);
            var ids = new uint[r.Read7BitEncodedInt()];
            uint prev = 0;
            for (var i = 0; i < ids.Length; i++) ids[i] = prev += (uint)r.Read7BitEncodedInt();
            var filter = NameFilter.FromBits(ReadBytes(r));
            HashSet<string>? entries = null;
            if (kallsyms)
            {
                entries = new HashSet<string>(StringComparer.Ordinal);
                for (var n = r.Read7BitEncodedInt(); n > 0; n--) entries.Add(r.ReadString());
            }
            return new KernelSurface(new KernelDescriptor(sha, release, flags, config), kallsyms, btf, ids, filter, entries);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException or FormatException or IOException)
        {
            throw new BpfFormatException($"corrupt kernel surface: {e.Message}", 0, inner: e);
        }
    }

    private static void WriteNullable(BinaryWriter w, string? s)
    {
        w.Write(s is not null);
        if (s is not null) w.Write(s);
    }

    private static string? ReadNullable(BinaryReader r) => r.ReadBoolean() ? r.ReadString() : null;

    private static void WriteMap<T>(BinaryWriter w, IReadOnlyDictionary<string, T>? map, Action<BinaryWriter, T> value)
    {
        w.Write(map is not null);
        if (map is null) return;
        w.Write7BitEncodedInt(map.Count);
        foreach (var (k, v) in map.OrderBy(kv => kv.Key, StringComparer.Ordinal)) { w.Write(k); value(w, v); }
    }

    private static Dictionary<string, T>? ReadMap<T>(BinaryReader r, Func<BinaryReader, T> value)
    {
        if (!r.ReadBoolean()) return null;
        var n = r.Read7BitEncodedInt();
        var map = new Dictionary<string, T>(n, StringComparer.Ordinal);
        for (var i = 0; i < n; i++) { var k = r.ReadString(); map[k] = value(r); }
        return map;
    }

    private static void WriteBytes(BinaryWriter w, ReadOnlySpan<byte> bytes)
    {
        w.Write7BitEncodedInt(bytes.Length);
        w.Write(bytes);
    }

    private static byte[] ReadBytes(BinaryReader r)
    {
        var n = r.Read7BitEncodedInt();
        var bytes = r.ReadBytes(n);
        if (bytes.Length != n) throw new EndOfStreamException("truncated");
        return bytes;
    }
}
