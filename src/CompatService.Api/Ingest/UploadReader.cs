namespace CompatService.Api.Ingest;

/// <summary>Reads a multipart file into memory under the configured upload limit.</summary>
public static class UploadReader
{
    public static async Task<byte[]> ReadAsync(IFormFile? file, long maxBytes, CancellationToken ct)
    {
        if (file is null)
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "bad request", "multipart field 'file' is missing");
        if (file.Length > maxBytes)
            throw new UploadTooLargeException($"'{file.FileName}' is {file.Length} bytes; the limit is {maxBytes} (Compat:MaxUploadBytes)");
        if (file.Length == 0)
            throw new UnprocessableInputException($"'{file.FileName}' is empty");
        var buffer = new byte[file.Length];
        await using var s = file.OpenReadStream();
        await s.ReadExactlyAsync(buffer, ct);
        return buffer;
    }
}
