using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class KernelSurfaceConfiguration : IEntityTypeConfiguration<KernelSurfaceEntity>
{
    public void Configure(EntityTypeBuilder<KernelSurfaceEntity> b)
    {
        b.ToTable("kernel_surfaces");
        b.HasKey(s => s.KernelId);
        b.HasOne<KernelEntity>().WithOne().HasForeignKey<KernelSurfaceEntity>(s => s.KernelId).OnDelete(DeleteBehavior.Cascade);
    }
}
