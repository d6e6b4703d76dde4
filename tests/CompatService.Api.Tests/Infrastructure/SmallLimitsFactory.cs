namespace CompatService.Api.Tests.Infrastructure;

/// <summary>The service with tiny upload (64 KiB) and decompression (1 MiB) limits.</summary>
public sealed class SmallLimitsFactory : ApiFactory
{
    protected override long MaxUploadBytes => 64 * 1024;
    protected override long MaxDecompressedBytes => 1024 * 1024;
}
