using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

/// <summary>Blob tables: sha256 primary key, bytea compressed with lz4 (Npgsql emits ALTER COLUMN ... SET COMPRESSION lz4).</summary>
public abstract class BlobConfiguration<T> : IEntityTypeConfiguration<T> where T : BlobEntity
{
    protected abstract string Table { get; }

    public void Configure(EntityTypeBuilder<T> b)
    {
        b.ToTable(Table);
        b.HasKey(x => x.Sha256);
        b.Property(x => x.Sha256).HasMaxLength(64).IsFixedLength();
        b.Property(x => x.Data).HasColumnType("bytea").UseCompressionMethod("lz4");
    }
}

public sealed class KernelBlobConfiguration : BlobConfiguration<KernelBlobEntity>
{
    protected override string Table => "kernel_blobs";
}

public sealed class ObjectBlobConfiguration : BlobConfiguration<ObjectBlobEntity>
{
    protected override string Table => "object_blobs";
}
