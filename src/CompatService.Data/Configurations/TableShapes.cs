using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

/// <summary>The table shapes several entities share, configured once.</summary>
internal static class TableShapes
{
    /// <summary>
    /// An upload (kernel, object): unique by the sha256 of its bytes, which key its blob (never deleted under an upload),
    /// searched by labels (GIN over the jsonb). The blob table: sha256 primary key, bytes compressed with lz4.
    /// </summary>
    public static EntityTypeBuilder<T> Upload<T, TBlob>(this ModelBuilder model) where T : UploadEntity where TBlob : BlobEntity
    {
        var blob = model.Entity<TBlob>();
        blob.HasKey(x => x.Sha256);
        blob.Property(x => x.Data).UseCompressionMethod("lz4");
        var b = model.Entity<T>();
        b.HasIndex(x => x.Sha256).IsUnique();
        b.HasIndex(x => x.LabelsJson).HasMethod("gin");
        b.HasOne<TBlob>().WithMany().HasForeignKey(x => x.Sha256).HasPrincipalKey(x => x.Sha256).OnDelete(DeleteBehavior.Restrict);
        return b;
    }

    /// <summary>At most one row per kernel: keyed by the kernel's id, deleted with the kernel.</summary>
    public static EntityTypeBuilder<T> OnePerKernel<T>(this EntityTypeBuilder<T> b) where T : class, IOnePerKernel
    {
        b.HasKey(nameof(IOnePerKernel.KernelId));
        b.HasOne<KernelEntity>().WithOne().HasForeignKey<T>(nameof(IOnePerKernel.KernelId)).OnDelete(DeleteBehavior.Cascade);
        return b;
    }
}
