namespace CompatService.Api.Ingest;

/// <summary>Content-addressed inserts: concurrent writers of the same bytes wait on the primary key, then do nothing.</summary>
public static class BlobWriter
{
    public static Task KernelBlobAsync(CompatDbContext db, string sha256, ReadOnlyMemory<byte> data, CancellationToken ct)
    {
        var bytes = data.ToArray();
        return db.Database.ExecuteSqlAsync(
            $"INSERT INTO kernel_blobs (sha256, data, size) VALUES ({sha256}, {bytes}, {(long)bytes.Length}) ON CONFLICT (sha256) DO NOTHING", ct);
    }

    public static Task ObjectBlobAsync(CompatDbContext db, string sha256, byte[] bytes, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync(
            $"INSERT INTO object_blobs (sha256, data, size) VALUES ({sha256}, {bytes}, {(long)bytes.Length}) ON CONFLICT (sha256) DO NOTHING", ct);
}
