using System.IO.Compression;

namespace CompatService.Api.Ingest;

/// <summary>Decompresses with a ceiling: a bomb stops at the limit and is refused (413), never swallowed.</summary>
public static class BoundedDecompression
{
    public static bool IsGzip(ReadOnlySpan<byte> b) => b.Length >= 2 && b[0] == 0x1f && b[1] == 0x8b;

    public static byte[] Gunzip(ReadOnlyMemory<byte> input, long maxBytes, string what)
    {
        using var src = new MemoryStream(input.ToArray(), writable: false);
        using var gz = new GZipStream(src, CompressionMode.Decompress);
        using var dst = new MemoryStream();
        var buf = new byte[81920];
        try
        {
            int n;
            while ((n = gz.Read(buf, 0, buf.Length)) > 0)
            {
                if (dst.Length + n > maxBytes)
                    throw new UploadTooLargeException(
                        $"{what} decompresses to more than {maxBytes} bytes (Compat:MaxDecompressedBytes): refused as a decompression bomb");
                dst.Write(buf, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw new UnprocessableInputException($"{what}: corrupt gzip data ({e.Message})");
        }
        return dst.ToArray();
    }
}
