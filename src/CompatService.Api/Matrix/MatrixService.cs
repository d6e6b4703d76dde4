using CompatService.Contracts;
using CompatService.Data;

namespace CompatService.Api.Matrix;

/// <summary>Selects objects and kernels, makes sure their cells exist for this engine version, builds the report.</summary>
public sealed class MatrixService(CompatDbContext db, CellComputer cells)
{
    public async Task<MatrixReport> BuildAsync(MatrixFilter f, CancellationToken ct) => (await BuildWithKernelsAsync(f, ct)).Report;

    /// <summary>The report and the kernels it covers (their distro / arch / flavour make the minimum-kernel streams).</summary>
    public async Task<(MatrixReport Report, IReadOnlyList<Data.Entities.KernelEntity> Kernels)> BuildWithKernelsAsync(MatrixFilter f, CancellationToken ct)
    {
        var kernels = await Selection.KernelsAsync(db, f, ct);
        var objects = await Selection.ObjectsAsync(db, f, ct);
        var map = await cells.EnsureAsync(objects, kernels, ct);
        var results = map.ToDictionary(kv => kv.Key, kv => CellComputer.Results(kv.Value));
        return (MatrixBuilder.Build(objects, kernels, results), kernels);
    }
}
