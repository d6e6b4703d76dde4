using CompatService.Api.Caching;
using CompatService.Data;
using CompatService.Data.Entities;
using CompatService.Engine.Kernels;
using CompatService.Engine.Kernels.Surface;
using CompatService.Engine.Object;

namespace CompatService.Api.Matrix;

/// <summary>
/// Which kernel judges each object of a batch without the full BTF (issue 13): the kernel's stored surface where it decides
/// the object alone, else the surface plus the kernel's stored CO-RE shapes of the object's roots where those decide it
/// (<see cref="KernelSurface.Decides(BpfObject, IReadOnlyDictionary{CoreRoot, CoreShape})"/>); null: the full kernel.
/// </summary>
public sealed class SurfaceJudge
{
    private readonly KernelSurface _surface;
    private readonly IReadOnlyDictionary<CoreRoot, CoreShape> _shapes;
    private readonly Dictionary<string, KernelBtfSet> _merged = new(StringComparer.Ordinal);

    private SurfaceJudge(KernelSurface surface, IReadOnlyDictionary<CoreRoot, CoreShape> shapes, HashSet<CoreRoot> roots)
    {
        _surface = surface;
        _shapes = shapes;
        Roots = roots;
    }

    /// <summary>The CO-RE roots of the batch's objects the surface alone does not decide (what a full load stores shapes of).</summary>
    public HashSet<CoreRoot> Roots { get; }

    /// <summary>The judge of one batch: the kernel's stored shapes of the roots of the objects its surface alone does not decide.</summary>
    public static async Task<SurfaceJudge> ForAsync(CompatDbContext db, EngineCache cache, KernelEntity k, KernelSurface surface,
        IEnumerable<BpfObject?> objects, CancellationToken ct)
    {
        var roots = CoreShapeStore.RootsOf(objects.Where(o => o is not null && !surface.Decides(o)));
        return new SurfaceJudge(surface, await CoreShapeStore.LoadAsync(db, cache, k, roots, ct), roots);
    }

    /// <summary>Whether the object is judged without the full kernel.</summary>
    public bool Decides(BpfObject obj) => _surface.Decides(obj) || (_shapes.Count > 0 && _surface.Decides(obj, _shapes));

    /// <summary>The kernel that judges <paramref name="obj"/> like the full one (<paramref name="shaped"/>: with CO-RE shapes), or null.</summary>
    public KernelBtfSet? KernelFor(BpfObject obj, out bool shaped)
    {
        shaped = false;
        if (_surface.Decides(obj)) return _surface.Kernel;
        if (_shapes.Count == 0 || !_surface.Decides(obj, _shapes)) return null;
        shaped = true;
        var roots = CoreRoot.RootsOf(obj)!.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        var key = string.Join('\n', roots.Select(r => r.Key));
        if (!_merged.TryGetValue(key, out var kernel)) _merged[key] = kernel = _surface.KernelWith(roots.Select(r => _shapes[r]));
        return kernel;
    }
}
