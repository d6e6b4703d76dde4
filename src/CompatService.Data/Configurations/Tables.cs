using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace CompatService.Data.Configurations;

/// <summary>
/// What is particular to each table: keys other than Id, indexes, relationships, compression, defaults. Names, jsonb
/// and char(64) come from <see cref="ModelConventions"/>, lengths from the entities' attributes.
/// </summary>
internal static class Tables
{
    public static void Configure(ModelBuilder model)
    {
        Kernels(model);
        Objects(model);
        Matrix(model);
        Observations(model);
    }

    /// <summary>Kernels and what hangs off them: module BTFs, the kfunc/ksym index, config, surface and bootable image.</summary>
    private static void Kernels(ModelBuilder model)
    {
        var kernels = model.Upload<KernelEntity, KernelBlobEntity>();
        kernels.HasIndex(k => new { k.Arch, k.Release });
        kernels.HasMany(k => k.Modules).WithOne().HasForeignKey(m => m.KernelId).OnDelete(DeleteBehavior.Cascade);
        kernels.HasMany<KernelSymbolEntity>().WithOne().HasForeignKey(s => s.KernelId).OnDelete(DeleteBehavior.Cascade);
        var modules = model.Entity<KernelModuleEntity>();
        modules.HasIndex(m => new { m.KernelId, m.Name }).IsUnique();
        modules.HasOne<KernelBlobEntity>().WithMany().HasForeignKey(m => m.BlobSha256).OnDelete(DeleteBehavior.Restrict);
        // "which kernels have kfunc X"; a kernel's inventory and diffs between two kernels (merge by name)
        model.Entity<KernelSymbolEntity>().HasIndex(s => new { s.Name, s.KernelId });
        model.Entity<KernelSymbolEntity>().HasIndex(s => new { s.KernelId, s.Kind, s.Name });
        model.Entity<KernelConfigEntity>().OnePerKernel().Property(c => c.Text).UseCompressionMethod("lz4");
        model.Entity<KernelSurfaceEntity>().OnePerKernel();
        model.Entity<CoreSliceEntity>().HasKey(x => x.Hash);
        var shapes = model.Entity<KernelCoreShapeEntity>();
        shapes.HasKey(x => new { x.KernelId, x.Root });
        shapes.HasOne<KernelEntity>().WithMany().HasForeignKey(x => x.KernelId).OnDelete(DeleteBehavior.Cascade);
        model.Entity<KernelImageEntity>().OnePerKernel().Property(x => x.Data).UseCompressionMethod("lz4");
    }

    /// <summary>Objects and what the engine's Inspect found in them: entry programs and their kernel requirements.</summary>
    private static void Objects(ModelBuilder model)
    {
        model.Upload<ObjectEntity, ObjectBlobEntity>()
            .HasMany(o => o.Programs).WithOne().HasForeignKey(p => p.ObjectId).OnDelete(DeleteBehavior.Cascade);
        var programs = model.Entity<ObjectProgramEntity>();
        programs.HasIndex(p => new { p.ObjectId, p.Ordinal }).IsUnique();
        programs.HasMany(p => p.Requirements).WithOne().HasForeignKey(r => r.ProgramId).OnDelete(DeleteBehavior.Cascade);
        // "which objects need kfunc X"
        model.Entity<ProgramRequirementEntity>().HasIndex(r => new { r.Kind, r.Name });
    }

    /// <summary>The matrix (a cell per object × kernel × engine version, deleted with either) and the queues that fill it.</summary>
    private static void Matrix(ModelBuilder model)
    {
        var cells = model.Entity<MatrixCellEntity>();
        cells.Property(c => c.ResultsJson).UseCompressionMethod("lz4");
        cells.HasIndex(c => new { c.ObjectSha256, c.KernelSha256, c.EngineVersion }).IsUnique();
        cells.HasIndex(c => new { c.KernelId, c.EngineVersion });
        cells.HasIndex(c => new { c.ObjectId, c.EngineVersion });
        cells.HasOne<KernelEntity>().WithMany().HasForeignKey(c => c.KernelId).OnDelete(DeleteBehavior.Cascade);
        cells.HasOne<ObjectEntity>().WithMany().HasForeignKey(c => c.ObjectId).OnDelete(DeleteBehavior.Cascade);
        var work = model.Entity<MatrixWorkEntity>();
        work.HasKey(w => w.KernelId);
        work.Property(w => w.KernelId).ValueGeneratedNever();
        work.HasOne<KernelEntity>().WithMany().HasForeignKey(w => w.KernelId).OnDelete(DeleteBehavior.Cascade);
        work.HasIndex(w => w.RequestedAt); // the worker's "next free kernel" scan
        model.Entity<JobEntity>().HasIndex(j => new { j.State, j.Id }); // the worker's "next runnable job" scan
    }

    /// <summary>What agents and lab runs observed when they loaded programs.</summary>
    private static void Observations(ModelBuilder model)
    {
        var runs = model.Entity<LabRunEntity>();
        runs.HasIndex(x => new { x.KernelId, x.Id });
        runs.HasIndex(x => x.State);
        runs.HasOne<KernelEntity>().WithMany().HasForeignKey(x => x.KernelId).OnDelete(DeleteBehavior.Cascade);
        var outcomes = model.Entity<ObservedOutcomeEntity>();
        outcomes.Property(o => o.Source).HasDefaultValue(ObservedSources.Agent);
        outcomes.HasIndex(o => new { o.KernelBtfSha256, o.ObjectSha256 });
        outcomes.HasIndex(o => o.ObservedAt);
        outcomes.HasIndex(o => o.LabRunId);
        outcomes.HasOne<LabRunEntity>().WithMany().HasForeignKey(o => o.LabRunId).OnDelete(DeleteBehavior.Cascade);
        outcomes.HasOne<KernelEntity>().WithMany().HasForeignKey(o => o.KernelId).OnDelete(DeleteBehavior.SetNull);
    }
}
