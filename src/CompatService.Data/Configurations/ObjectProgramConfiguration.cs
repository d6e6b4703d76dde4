using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class ObjectProgramConfiguration : IEntityTypeConfiguration<ObjectProgramEntity>
{
    public void Configure(EntityTypeBuilder<ObjectProgramEntity> b)
    {
        b.ToTable("object_programs");
        b.HasKey(p => p.Id);
        b.Property(p => p.Name).HasMaxLength(512);
        b.Property(p => p.Section).HasMaxLength(512);
        b.Property(p => p.Type).HasMaxLength(64);
        b.Property(p => p.HelpersJson).HasColumnName("helpers").HasColumnType("jsonb");
        b.HasIndex(p => new { p.ObjectId, p.Ordinal }).IsUnique();
        b.HasMany(p => p.Requirements).WithOne().HasForeignKey(r => r.ProgramId).OnDelete(DeleteBehavior.Cascade);
    }
}

public sealed class ProgramRequirementConfiguration : IEntityTypeConfiguration<ProgramRequirementEntity>
{
    public void Configure(EntityTypeBuilder<ProgramRequirementEntity> b)
    {
        b.ToTable("program_requirements");
        b.HasKey(r => r.Id);
        b.Property(r => r.Kind).HasMaxLength(16);
        b.Property(r => r.Name).HasMaxLength(256);
        // "which objects need kfunc X"
        b.HasIndex(r => new { r.Kind, r.Name });
    }
}
