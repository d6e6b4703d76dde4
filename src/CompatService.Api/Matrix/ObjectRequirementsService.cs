using CompatService.Api.Caching;
using CompatService.Api.Options;
using CompatService.Contracts;
using CompatService.Data;
using CompatService.Engine;
using CompatService.Reporting;
using Microsoft.Extensions.Options;

namespace CompatService.Api.Matrix;

/// <summary>
/// GET /api/objects/{id}/requirements: what each program needs (the engine's requirements of the stored object) and its
/// minimum kernel per stream of the stored kernels, from the matrix cells (Reporting's <see cref="MinimumKernels"/>).
/// </summary>
public sealed class ObjectRequirementsService(CompatDbContext db, EngineCache engine, MatrixService matrix, IOptions<CompatOptions> options)
{
    public async Task<ObjectRequirementsDto?> GetAsync(long id, CancellationToken ct)
    {
        var o = await db.Objects.AsNoTracking().SingleOrDefaultAsync(x => x.Id == id, ct);
        if (o is null) return null;
        var obj = await engine.ObjectAsync(db, o.Sha256, ct);
        var summary = CompatEngine.Inspect(obj, options.Value.Budget.ForRequest(ct)).ToContract();
        var filter = new MatrixFilter(new Dictionary<string, string>(), new Dictionary<string, string>(), ObjectShas: [o.Sha256]);
        var (report, kernels) = await matrix.BuildWithKernelsAsync(filter, ct);
        var streams = kernels.Select(k => new StreamKernel(MatrixBuilder.Id(k), k.Release, k.Distro, k.Arch, k.Flavour)).ToList();
        return new ObjectRequirementsDto(o.Id, o.Sha256, o.Name, summary.Programs, summary.MapTypes, MinimumKernels.Compute(report, streams));
    }
}
