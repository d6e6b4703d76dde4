using System.Text;
using CompatService.Kernels;

namespace CompatService.Api.Ingest;

/// <summary>
/// A kernel .config sent beside a kernel (multipart field <c>config</c>): plain text or gzip'd (/proc/config.gz as is).
/// It must read as a config — at least one <c>CONFIG_X=value</c> line — else the upload is refused (422).
/// </summary>
public static class KernelConfigUpload
{
    public static async Task<string?> ReadAsync(IFormFile? file, long maxUploadBytes, long maxDecompressedBytes, CancellationToken ct)
    {
        if (file is null) return null;
        // An empty file is "not a config" (Parse says why), not UploadReader's "empty upload".
        var bytes = file.Length == 0 ? [] : await UploadReader.ReadAsync(file, maxUploadBytes, ct);
        return Parse(bytes, file.FileName, maxDecompressedBytes);
    }

    public static string Parse(byte[] bytes, string? fileName, long maxDecompressedBytes)
    {
        var what = $"config '{fileName}'";
        var raw = Compression.Detect(bytes) == CompressionKind.Gzip ? Compression.Decompress(CompressionKind.Gzip, bytes, maxDecompressedBytes, what) : bytes;
        if (raw.AsSpan().IndexOf((byte)0) is var nul and >= 0)
            throw new UnprocessableInputException($"{what} is not a kernel .config: binary data (NUL byte at offset {nul})");
        string text;
        try { text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(raw); }
        catch (DecoderFallbackException e) { throw new UnprocessableInputException($"{what} is not a kernel .config: not UTF-8 text ({e.Message})"); }
        if (CompatService.Engine.Kernels.KernelConfig.Parse(text).Count == 0)
            throw new UnprocessableInputException($"{what} is not a kernel .config: no CONFIG_X=value line");
        return text;
    }
}
