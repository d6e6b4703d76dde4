using CompatService.Contracts;
using CompatService.Data;

namespace CompatService.Api.Matrix;

/// <summary>One page of a matrix: columns (kernels, by id) and rows (objects, by id) from an offset, at most a limit each.</summary>
public sealed record MatrixPage(int KernelOffset = 0, int? KernelLimit = null, int ObjectOffset = 0, int? ObjectLimit = null)
{
    public static MatrixPage All { get; } = new();

    public bool IsAll => KernelOffset == 0 && KernelLimit is null && ObjectOffset == 0 && ObjectLimit is null;

    public static List<T> Slice<T>(List<T> items, int offset, int? limit) =>
        items.Skip(offset).Take(limit ?? int.MaxValue).ToList();
}

/// <summary>Selects objects and kernels, makes sure their cells exist for this engine version, builds the report.</summary>
public sealed class MatrixService(CompatDbContext db, CellComputer cells)
{
    public async Task<MatrixReport> BuildAsync(MatrixFilter f, CancellationToken ct) => (await BuildPageAsync(f, MatrixPage.All, ct)).Report;

    /// <summary>The whole report and the kernels it covers (their distro / arch / flavour make the minimum-kernel streams).</summary>
    public async Task<(MatrixReport Report, IReadOnlyList<Data.Entities.KernelEntity> Kernels)> BuildWithKernelsAsync(MatrixFilter f, CancellationToken ct)
    {
        var kernels = await Selection.KernelsAsync(db, f, ct);
        var objects = await Selection.ObjectsAsync(db, f, ct);
        var map = await cells.EnsureAsync(objects, kernels, ct);
        var results = map.ToDictionary(kv => kv.Key, kv => CellComputer.Results(kv.Value));
        return (MatrixBuilder.Build(objects, kernels, results), kernels);
    }

    /// <summary>
    /// The page's part of the matrix (only its cells are read, or computed when missing) and how many kernels and
    /// objects the whole selection has: 1000 kernels are read a few columns at a time (issue 13).
    /// </summary>
    public async Task<(MatrixReport Report, int TotalKernels, int TotalObjects)> BuildPageAsync(MatrixFilter f, MatrixPage page, CancellationToken ct)
    {
        var allKernels = await Selection.KernelsAsync(db, f, ct);
        var allObjects = await Selection.ObjectsAsync(db, f, ct);
        var kernels = page.IsAll ? allKernels : MatrixPage.Slice(allKernels, page.KernelOffset, page.KernelLimit);
        var objects = page.IsAll ? allObjects : MatrixPage.Slice(allObjects, page.ObjectOffset, page.ObjectLimit);
        var map = await cells.EnsureAsync(objects, kernels, ct);
        var results = map.ToDictionary(kv => kv.Key, kv => CellComputer.Results(kv.Value));
        return (MatrixBuilder.Build(objects, kernels, results), allKernels.Count, allObjects.Count);
    }
}
