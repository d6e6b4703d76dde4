using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class KernelModuleConfiguration : IEntityTypeConfiguration<KernelModuleEntity>
{
    public void Configure(EntityTypeBuilder<KernelModuleEntity> b)
    {
        b.ToTable("kernel_modules");
        b.HasKey(m => m.Id);
        b.Property(m => m.Name).HasMaxLength(256);
        b.Property(m => m.BlobSha256).HasMaxLength(64).IsFixedLength();
        b.HasIndex(m => new { m.KernelId, m.Name }).IsUnique();
        b.HasOne<KernelBlobEntity>().WithMany().HasForeignKey(m => m.BlobSha256).OnDelete(DeleteBehavior.Restrict);
    }
}
