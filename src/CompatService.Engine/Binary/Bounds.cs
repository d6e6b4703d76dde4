namespace CompatService.Engine.Binary;

/// <summary>Bounds checks that throw <see cref="BpfFormatException"/> instead of letting a span index escape.</summary>
public static class Bounds
{
    /// <summary>Returns data[offset..offset+length] or throws naming what was being read.</summary>
    public static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> data, long offset, long length, string what, string? section = null)
    {
        if (offset < 0 || length < 0 || offset > data.Length || length > data.Length - offset)
            throw new BpfFormatException($"{what} out of bounds: needs {length} bytes at 0x{offset:x}, have {data.Length}", offset, section);
        return data.Slice((int)offset, (int)length);
    }

    public static ReadOnlyMemory<byte> Slice(ReadOnlyMemory<byte> data, long offset, long length, string what, string? section = null)
    {
        if (offset < 0 || length < 0 || offset > data.Length || length > data.Length - offset)
            throw new BpfFormatException($"{what} out of bounds: needs {length} bytes at 0x{offset:x}, have {data.Length}", offset, section);
        return data.Slice((int)offset, (int)length);
    }

    /// <summary>Reads a NUL-terminated string from a string table.</summary>
    public static string CString(ReadOnlySpan<byte> table, long offset, string what, string? section = null)
    {
        if (offset < 0 || offset >= table.Length)
        {
            if (offset == 0 && table.Length == 0) return string.Empty;
            throw new BpfFormatException($"{what}: string offset {offset} outside string table of {table.Length} bytes", offset, section);
        }
        var rest = table[(int)offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0) throw new BpfFormatException($"{what}: unterminated string", offset, section);
        return System.Text.Encoding.UTF8.GetString(rest[..end]);
    }
}
