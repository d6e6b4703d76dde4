using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class KernelSymbolConfiguration : IEntityTypeConfiguration<KernelSymbolEntity>
{
    public void Configure(EntityTypeBuilder<KernelSymbolEntity> b)
    {
        b.ToTable("kernel_symbols");
        b.HasKey(s => s.Id);
        b.Property(s => s.Name).HasMaxLength(256);
        b.Property(s => s.Kind).HasMaxLength(8);
        b.Property(s => s.Module).HasMaxLength(256);
        // "which kernels have kfunc X"
        b.HasIndex(s => new { s.Name, s.KernelId });
        // a kernel's inventory and diffs between two kernels (merge by name)
        b.HasIndex(s => new { s.KernelId, s.Kind, s.Name });
    }
}
