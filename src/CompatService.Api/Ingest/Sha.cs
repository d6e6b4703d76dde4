using System.Security.Cryptography;

namespace CompatService.Api.Ingest;

public static class Sha
{
    public static string Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
