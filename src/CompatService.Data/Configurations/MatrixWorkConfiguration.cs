using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class MatrixWorkConfiguration : IEntityTypeConfiguration<MatrixWorkEntity>
{
    public void Configure(EntityTypeBuilder<MatrixWorkEntity> b)
    {
        b.ToTable("matrix_work");
        b.HasKey(w => w.KernelId);
        b.Property(w => w.KernelId).ValueGeneratedNever();
        b.Property(w => w.LockedBy).HasMaxLength(128);
        b.HasOne<KernelEntity>().WithMany().HasForeignKey(w => w.KernelId).OnDelete(DeleteBehavior.Cascade);
        // the worker's "next free kernel" scan
        b.HasIndex(w => w.RequestedAt);
    }
}
