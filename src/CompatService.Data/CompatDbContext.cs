using System.Text;
using CompatService.Data.Configurations;
using CompatService.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace CompatService.Data;

/// <summary>The service's only store. Tables and columns are snake_case (<see cref="ModelConventions"/>).</summary>
public sealed class CompatDbContext(DbContextOptions<CompatDbContext> options) : DbContext(options)
{
    public DbSet<KernelEntity> Kernels => Set<KernelEntity>();
    public DbSet<KernelBlobEntity> KernelBlobs => Set<KernelBlobEntity>();
    public DbSet<KernelModuleEntity> KernelModules => Set<KernelModuleEntity>();
    public DbSet<KernelConfigEntity> KernelConfigs => Set<KernelConfigEntity>();
    public DbSet<KernelSurfaceEntity> KernelSurfaces => Set<KernelSurfaceEntity>();
    public DbSet<CoreSliceEntity> CoreSlices => Set<CoreSliceEntity>();
    public DbSet<KernelCoreShapeEntity> KernelCoreShapes => Set<KernelCoreShapeEntity>();
    public DbSet<KernelSymbolEntity> KernelSymbols => Set<KernelSymbolEntity>();
    public DbSet<ObjectEntity> Objects => Set<ObjectEntity>();
    public DbSet<ObjectBlobEntity> ObjectBlobs => Set<ObjectBlobEntity>();
    public DbSet<ObjectProgramEntity> ObjectPrograms => Set<ObjectProgramEntity>();
    public DbSet<ProgramRequirementEntity> ProgramRequirements => Set<ProgramRequirementEntity>();
    public DbSet<MatrixCellEntity> MatrixCells => Set<MatrixCellEntity>();
    public DbSet<JobEntity> Jobs => Set<JobEntity>();
    public DbSet<MatrixWorkEntity> MatrixWork => Set<MatrixWorkEntity>();
    public DbSet<ObservedOutcomeEntity> ObservedOutcomes => Set<ObservedOutcomeEntity>();
    public DbSet<KernelImageEntity> KernelImages => Set<KernelImageEntity>();
    public DbSet<LabRunEntity> LabRuns => Set<LabRunEntity>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        Tables.Configure(modelBuilder);
        ModelConventions.Apply(modelBuilder.Model);
    }

    /// <summary>"KernelSha256" → "kernel_sha256".</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c) && i > 0 && !char.IsUpper(name[i - 1]))
                sb.Append('_');
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }
}
