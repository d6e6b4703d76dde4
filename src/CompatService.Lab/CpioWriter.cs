using System.Text;

namespace CompatService.Lab;

/// <summary>
/// Writes a cpio archive in the "newc" format (magic 070701) the kernel unpacks as an initramfs: a 110-byte ASCII hex
/// header, the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes, and a closing "TRAILER!!!" entry.
/// </summary>
public sealed class CpioWriter(Stream output)
{
    public const int ModeDirectory = 0x4000, ModeFile = 0x8000, ModeSymlink = 0xA000;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private uint _inode = 1;
    private bool _closed;

    /// <summary>Adds a directory and every missing parent (mode 0755).</summary>
    public void Directory(string path)
    {
        path = Normalize(path);
        var parts = path.Split('/');
        for (var i = 1; i <= parts.Length; i++)
        {
            var p = string.Join('/', parts[..i]);
            if (_names.Contains(p)) continue;
            Entry(p, ModeDirectory | 0x1ED, ReadOnlySpan<byte>.Empty);
        }
    }

    /// <summary>Adds a regular file (its parents are created); <paramref name="mode"/> is the permission bits.</summary>
    public void File(string path, ReadOnlySpan<byte> data, int mode = 0x1A4)
    {
        path = Normalize(path);
        if (path.LastIndexOf('/') is var slash and > 0) Directory(path[..slash]);
        Entry(path, ModeFile | (mode & 0xFFF), data);
    }

    public void Symlink(string path, string target)
    {
        path = Normalize(path);
        if (path.LastIndexOf('/') is var slash and > 0) Directory(path[..slash]);
        Entry(path, ModeSymlink | 0x1FF, Encoding.UTF8.GetBytes(target));
    }

    /// <summary>Writes the trailer; the archive is complete.</summary>
    public void Close()
    {
        if (_closed) return;
        Header("TRAILER!!!", 0, 0, 0, 1);
        _closed = true;
        output.Flush();
    }

    private static string Normalize(string path)
    {
        var p = path.Trim('/');
        if (p.Length == 0 || p.Split('/').Any(s => s is "" or "." or ".."))
            throw new ArgumentException($"bad initramfs path '{path}'", nameof(path));
        return p;
    }

    private void Entry(string name, int mode, ReadOnlySpan<byte> data)
    {
        if (_closed) throw new InvalidOperationException("the archive is closed");
        if (!_names.Add(name)) throw new ArgumentException($"'{name}' is already in the initramfs", nameof(name));
        var nlink = (mode & 0xF000) == ModeDirectory ? 2u : 1u;
        Header(name, (uint)mode, (uint)data.Length, _inode++, nlink);
        output.Write(data);
        Pad(data.Length);
    }

    private void Header(string name, uint mode, uint size, uint inode, uint nlink)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var sb = new StringBuilder("070701", 110);
        foreach (var v in new[] { inode, mode, 0u, 0u, nlink, 0u, size, 0u, 0u, 0u, 0u, (uint)nameBytes.Length, 0u })
            sb.Append(v.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        output.Write(Encoding.ASCII.GetBytes(sb.ToString()));
        output.Write(nameBytes);
        Pad(110 + nameBytes.Length);
    }

    private void Pad(int length)
    {
        var pad = (4 - length % 4) % 4;
        for (var i = 0; i < pad; i++) output.WriteByte(0);
    }
}
