using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class KernelConfiguration : IEntityTypeConfiguration<KernelEntity>
{
    public void Configure(EntityTypeBuilder<KernelEntity> b)
    {
        b.ToTable("kernels");
        b.HasKey(k => k.Id);
        b.Property(k => k.Sha256).HasMaxLength(64).IsFixedLength();
        b.HasIndex(k => k.Sha256).IsUnique();
        b.Property(k => k.LabelsJson).HasColumnName("labels").HasColumnType("jsonb");
        b.HasIndex(k => k.LabelsJson).HasMethod("gin");
        b.Property(k => k.KfuncFlagsJson).HasColumnName("kfunc_flags").HasColumnType("jsonb");
        b.Property(k => k.Source).HasMaxLength(512);
        b.Property(k => k.KallsymsSha256).HasColumnName("kallsyms_sha256").HasMaxLength(64).IsFixedLength();
        b.Property(k => k.ReleaseBound).HasMaxLength(64);
        b.HasIndex(k => new { k.Arch, k.Release });
        b.HasMany(k => k.Modules).WithOne().HasForeignKey(m => m.KernelId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany<KernelSymbolEntity>().WithOne().HasForeignKey(s => s.KernelId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany<MatrixCellEntity>().WithOne().HasForeignKey(c => c.KernelId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<KernelBlobEntity>().WithMany().HasForeignKey(k => k.Sha256).HasPrincipalKey(x => x.Sha256)
            .OnDelete(DeleteBehavior.Restrict);
    }
}
