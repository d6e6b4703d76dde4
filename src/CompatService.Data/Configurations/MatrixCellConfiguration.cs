using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class MatrixCellConfiguration : IEntityTypeConfiguration<MatrixCellEntity>
{
    public void Configure(EntityTypeBuilder<MatrixCellEntity> b)
    {
        b.ToTable("matrix_cells");
        b.HasKey(c => c.Id);
        b.Property(c => c.ObjectSha256).HasMaxLength(64).IsFixedLength();
        b.Property(c => c.KernelSha256).HasMaxLength(64).IsFixedLength();
        b.Property(c => c.EngineVersion).HasMaxLength(32);
        b.Property(c => c.Verdict).HasMaxLength(16);
        b.Property(c => c.ResultsJson).HasColumnName("results").HasColumnType("jsonb").UseCompressionMethod("lz4");
        b.Property(c => c.ReasonCodesJson).HasColumnName("reason_codes").HasColumnType("jsonb");
        b.HasIndex(c => new { c.ObjectSha256, c.KernelSha256, c.EngineVersion }).IsUnique();
        b.HasIndex(c => new { c.KernelId, c.EngineVersion });
        b.HasIndex(c => new { c.ObjectId, c.EngineVersion });
    }
}
