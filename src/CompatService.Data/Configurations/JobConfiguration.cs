using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class JobConfiguration : IEntityTypeConfiguration<JobEntity>
{
    public void Configure(EntityTypeBuilder<JobEntity> b)
    {
        b.ToTable("jobs");
        b.HasKey(j => j.Id);
        b.Property(j => j.Kind).HasMaxLength(32);
        b.Property(j => j.State).HasMaxLength(16);
        b.Property(j => j.Payload).HasColumnType("jsonb");
        // the worker's "next runnable job" scan
        b.HasIndex(j => new { j.State, j.Id });
    }
}
