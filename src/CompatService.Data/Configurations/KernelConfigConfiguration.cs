using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class KernelConfigConfiguration : IEntityTypeConfiguration<KernelConfigEntity>
{
    public void Configure(EntityTypeBuilder<KernelConfigEntity> b)
    {
        b.ToTable("kernel_configs");
        b.HasKey(c => c.KernelId);
        b.Property(c => c.Text).UseCompressionMethod("lz4");
        b.HasOne<KernelEntity>().WithOne().HasForeignKey<KernelConfigEntity>(c => c.KernelId).OnDelete(DeleteBehavior.Cascade);
    }
}
