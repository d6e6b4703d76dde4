using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class KernelImageConfiguration : IEntityTypeConfiguration<KernelImageEntity>
{
    public void Configure(EntityTypeBuilder<KernelImageEntity> b)
    {
        b.ToTable("kernel_images");
        b.HasKey(x => x.KernelId);
        b.Property(x => x.Form).HasMaxLength(16);
        b.Property(x => x.FileName).HasMaxLength(512);
        b.Property(x => x.Sha256).HasMaxLength(64).IsFixedLength();
        b.Property(x => x.Data).HasColumnType("bytea").UseCompressionMethod("lz4");
        b.HasOne<KernelEntity>().WithOne().HasForeignKey<KernelImageEntity>(x => x.KernelId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class LabRunConfiguration : IEntityTypeConfiguration<LabRunEntity>
{
    public void Configure(EntityTypeBuilder<LabRunEntity> b)
    {
        b.ToTable("lab_runs");
        b.HasKey(x => x.Id);
        b.Property(x => x.State).HasMaxLength(16);
        b.Property(x => x.Accel).HasMaxLength(8);
        b.Property(x => x.ObjectsJson).HasColumnType("jsonb");
        b.Property(x => x.DisagreementsJson).HasColumnType("jsonb");
        b.HasIndex(x => new { x.KernelId, x.Id });
        b.HasIndex(x => x.State);
        b.HasOne<KernelEntity>().WithMany().HasForeignKey(x => x.KernelId).OnDelete(DeleteBehavior.Cascade);
    }
}
