using System.Text;
using CompatService.Engine.Binary;

namespace CompatService.Kernels;

/// <summary>One member of an <c>ar</c> archive.</summary>
public readonly record struct ArMember(string Name, long Offset, ReadOnlyMemory<byte> Data);

/// <summary>
/// The common <c>ar</c> format a .deb is wrapped in: "!&lt;arch&gt;\n", then per member a 60-byte header
/// (name 16, mtime 12, uid 6, gid 6, mode 8, size 10 — ASCII, space padded — and "`\n"), the data, and a pad
/// byte to an even offset. GNU-style names end with '/'.
/// </summary>
public static class ArArchive
{
    public static ReadOnlySpan<byte> Magic => "!<arch>\n"u8;
    private const int HeaderSize = 60;

    public static bool IsAr(ReadOnlySpan<byte> data) => data.StartsWith(Magic);

    public static IReadOnlyList<ArMember> Read(ReadOnlyMemory<byte> archive)
    {
        var d = archive.Span;
        if (!IsAr(d)) throw new BpfFormatException("not an ar archive (bad magic)", 0);
        var members = new List<ArMember>();
        long pos = Magic.Length;
        while (pos < d.Length)
        {
            if (d.Length - pos == 1 && d[(int)pos] == (byte)'\n') break; // final pad byte
            var h = Bounds.Slice(d, pos, HeaderSize, "ar member header");
            if (h[58] != (byte)'`' || h[59] != (byte)'\n') throw new BpfFormatException("ar member header without its \"`\\n\" terminator", pos + 58);
            var name = Encoding.ASCII.GetString(h[..16]).TrimEnd(' ');
            if (name.EndsWith('/') && name.Length > 1) name = name[..^1];
            var sizeText = Encoding.ASCII.GetString(h.Slice(48, 10)).Trim(' ');
            if (!long.TryParse(sizeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var size))
                throw new BpfFormatException($"ar member '{name}': bad size field '{sizeText}'", pos + 48);
            var data = Bounds.Slice(archive, pos + HeaderSize, size, $"ar member '{name}' data");
            members.Add(new ArMember(name, pos + HeaderSize, data));
            pos += HeaderSize + size + (size & 1);
        }
        return members;
    }
}
