using CompatService.Api.Mapping;
using CompatService.Contracts;
using CompatService.Data.Entities;

namespace CompatService.Api.Matrix;

/// <summary>Assembles the `compat check --format json` shape from stored programs and cells (kernel = kernel id).</summary>
public static class MatrixBuilder
{
    public static MatrixReport Build(IReadOnlyList<ObjectEntity> objects, IReadOnlyList<KernelEntity> kernels,
        IReadOnlyDictionary<(long ObjectId, long KernelId), IReadOnlyList<ProgramResultWithName>> results)
    {
        var mk = kernels.Select(k => new MatrixKernel(Id(k), k.Release, k.Sha256)).ToList();
        var mo = objects.Select(o => new MatrixObject(o.Name, o.Sha256,
            o.Programs.OrderBy(p => p.Ordinal).Select(p =>
            {
                var s = p.ToSummary();
                var perKernel = kernels
                    .Select(k => results.TryGetValue((o.Id, k.Id), out var r) ? r.FirstOrDefault(x => x.Name == p.Name)?.Result : null)
                    .OfType<ProgramResult>().ToList();
                return new MatrixProgram(p.Name, p.Section, p.Type, s.Kfuncs, perKernel);
            }).ToList())).ToList();
        return new MatrixReport(mk, mo);
    }

    public static string Id(KernelEntity k) => k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
