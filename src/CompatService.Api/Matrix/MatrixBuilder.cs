using CompatService.Api.Mapping;
using CompatService.Contracts;
using CompatService.Data.Entities;

namespace CompatService.Api.Matrix;

/// <summary>An object's rows in a matrix: its key in the results, name, sha256 and programs (stored, or just uploaded).</summary>
public sealed record MatrixObjectRows(long Id, string Name, string Sha256, IReadOnlyList<ProgramSummary> Programs)
{
    /// <summary>A stored object's rows (programs in their ordinal order).</summary>
    public static MatrixObjectRows Of(ObjectEntity o) =>
        new(o.Id, o.Name, o.Sha256, o.Programs.OrderBy(p => p.Ordinal).Select(p => p.ToSummary()).ToList());
}

/// <summary>Assembles the `compat check --format json` shape from programs and cells (kernel = kernel id).</summary>
public static class MatrixBuilder
{
    public static MatrixReport Build(IReadOnlyList<ObjectEntity> objects, IReadOnlyList<KernelEntity> kernels,
        IReadOnlyDictionary<(long ObjectId, long KernelId), IReadOnlyList<ProgramResultWithName>> results) =>
        Build(objects.Select(MatrixObjectRows.Of).ToList(), kernels, results);

    public static MatrixReport Build(IReadOnlyList<MatrixObjectRows> objects, IReadOnlyList<KernelEntity> kernels,
        IReadOnlyDictionary<(long ObjectId, long KernelId), IReadOnlyList<ProgramResultWithName>> results)
    {
        var mk = kernels.Select(k => new MatrixKernel(Id(k), k.Release, k.Sha256)).ToList();
        var mo = objects.Select(o => new MatrixObject(o.Name, o.Sha256,
            o.Programs.Select(p =>
            {
                var perKernel = kernels
                    .Select(k => results.TryGetValue((o.Id, k.Id), out var r) ? r.FirstOrDefault(x => x.Name == p.Name)?.Result : null)
                    .OfType<ProgramResult>().ToList();
                return new MatrixProgram(p.Name, p.Section, p.Type, p.Kfuncs, perKernel);
            }).ToList())).ToList();
        return new MatrixReport(mk, mo);
    }

    public static string Id(KernelEntity k) => k.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
