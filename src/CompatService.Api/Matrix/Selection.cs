using CompatService.Api.Mapping;
using CompatService.Data;
using CompatService.Data.Entities;

namespace CompatService.Api.Matrix;

/// <summary>Kernel and object selection shared by lists, the matrix and the CI check (labels via jsonb @&gt;).</summary>
public static class Selection
{
    public static async Task<List<KernelEntity>> KernelsAsync(CompatDbContext db, MatrixFilter f, CancellationToken ct)
    {
        var q = db.Kernels.AsNoTracking().Include(k => k.Modules).AsQueryable();
        if (f.KernelLabels.Count > 0)
        {
            var json = Labels.ToJson(f.KernelLabels);
            q = q.Where(k => EF.Functions.JsonContains(k.LabelsJson, json));
        }
        if (f.Arch is { Length: > 0 } arch) q = q.Where(k => k.Arch == arch);
        if (f.Release is { Length: > 0 } rel && !IsNumericPrefix(rel)) q = q.Where(k => k.Release == rel);
        if (f.KernelIds is { Count: > 0 } ids) q = q.Where(k => ids.Contains(k.Id));
        var list = await q.OrderBy(k => k.Id).ToListAsync(ct);
        if (f.Release is { Length: > 0 } prefix && IsNumericPrefix(prefix))
            list = list.Where(k => k.Release is not null && ReleaseOrder.CompareTo(k.Release, prefix) == 0).ToList();
        return list.Where(k => ReleaseOrder.InRange(k.Release, k.ReleaseBound, f.MinRelease, f.MaxRelease)).ToList();
    }

    /// <summary>release=6.12 (only numbers) means every 6.12.x, like maxRelease=6.12 includes them; a full release matches exactly.</summary>
    public static bool IsNumericPrefix(string release) => release.All(c => char.IsAsciiDigit(c) || c == '.');

    public static async Task<List<ObjectEntity>> ObjectsAsync(CompatDbContext db, MatrixFilter f, CancellationToken ct)
    {
        var q = db.Objects.AsNoTracking().Include(o => o.Programs).ThenInclude(p => p.Requirements).AsSplitQuery().AsQueryable();
        if (f.ObjectLabels.Count > 0)
        {
            var json = Labels.ToJson(f.ObjectLabels);
            q = q.Where(o => EF.Functions.JsonContains(o.LabelsJson, json));
        }
        if (f.ObjectShas is { Count: > 0 } shas) q = q.Where(o => shas.Contains(o.Sha256));
        return await q.OrderBy(o => o.Id).ToListAsync(ct);
    }
}
