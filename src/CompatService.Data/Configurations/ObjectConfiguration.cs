using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class ObjectConfiguration : IEntityTypeConfiguration<ObjectEntity>
{
    public void Configure(EntityTypeBuilder<ObjectEntity> b)
    {
        b.ToTable("objects");
        b.HasKey(o => o.Id);
        b.Property(o => o.Sha256).HasMaxLength(64).IsFixedLength();
        b.HasIndex(o => o.Sha256).IsUnique();
        b.Property(o => o.Name).HasMaxLength(512);
        b.Property(o => o.LabelsJson).HasColumnName("labels").HasColumnType("jsonb");
        b.HasIndex(o => o.LabelsJson).HasMethod("gin");
        b.Property(o => o.OpenErrorsJson).HasColumnName("open_errors").HasColumnType("jsonb");
        b.Property(o => o.MapsJson).HasColumnName("maps").HasColumnType("jsonb");
        b.HasMany(o => o.Programs).WithOne().HasForeignKey(p => p.ObjectId).OnDelete(DeleteBehavior.Cascade);
        b.HasMany<MatrixCellEntity>().WithOne().HasForeignKey(c => c.ObjectId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<ObjectBlobEntity>().WithMany().HasForeignKey(o => o.Sha256).HasPrincipalKey(x => x.Sha256)
            .OnDelete(DeleteBehavior.Restrict);
    }
}
