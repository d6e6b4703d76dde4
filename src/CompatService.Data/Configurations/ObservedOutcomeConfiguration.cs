using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CompatService.Data.Configurations;

public sealed class ObservedOutcomeConfiguration : IEntityTypeConfiguration<ObservedOutcomeEntity>
{
    public void Configure(EntityTypeBuilder<ObservedOutcomeEntity> b)
    {
        b.ToTable("observed_outcomes");
        b.HasKey(o => o.Id);
        b.Property(o => o.Host).HasMaxLength(256);
        b.Property(o => o.KernelBtfSha256).HasMaxLength(64);
        b.Property(o => o.ObjectSha256).HasMaxLength(64);
        b.Property(o => o.Program).HasMaxLength(512);
        b.Property(o => o.Predicted).HasMaxLength(16);
        b.HasIndex(o => new { o.KernelBtfSha256, o.ObjectSha256 });
        b.HasIndex(o => o.ObservedAt);
        b.Property(o => o.Source).HasMaxLength(16).HasDefaultValue(ObservedSources.Agent);
        b.HasIndex(o => o.LabRunId);
        b.HasOne<LabRunEntity>().WithMany().HasForeignKey(o => o.LabRunId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<KernelEntity>().WithMany().HasForeignKey(o => o.KernelId).OnDelete(DeleteBehavior.SetNull);
    }
}
