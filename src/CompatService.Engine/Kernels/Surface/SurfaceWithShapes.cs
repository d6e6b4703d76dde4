using CompatService.Engine.Btf;

namespace CompatService.Engine.Kernels.Surface;

/// <summary>
/// Merges a kernel's surface with CO-RE shapes of that kernel (<see cref="CoreShape"/>) into one small vmlinux BTF: each
/// kernel type once, in kernel id order (so name look-ups and candidate order are the full kernel's), the fullest copy
/// of it (a shape's whole struct beats the surface's or another shape's stub), with the kernel id of each type.
/// </summary>
internal static class SurfaceWithShapes
{
    public static (byte[] Btf, uint[] KernelIds) Merge(BtfSpec surface, IReadOnlyList<uint> surfaceIds, IEnumerable<CoreShape> shapes)
    {
        var sources = new List<(BtfSpec Spec, IReadOnlyList<uint> Ids)> { (surface, surfaceIds) };
        sources.AddRange(shapes.Select(s => (s.Slice.Spec, (IReadOnlyList<uint>)s.KernelIds)));
        var merged = new Dictionary<uint, uint>();
        var best = new SortedDictionary<uint, SubsetType>();
        foreach (var (spec, ids) in sources)
        {
            if (ids.Count != spec.TypeCount + 1) throw new ArgumentException($"{spec.Section}: {ids.Count - 1} kernel ids for {spec.TypeCount} types");
            uint M(BtfTypeId id) => merged[ids[(int)id.Value]];
            for (var v = spec.FirstTypeId; v <= spec.LastTypeId; v++)
            {
                var candidate = new SubsetType(spec.GetType(new BtfTypeId(v)), M, null, true);
                if (!best.TryGetValue(ids[(int)v], out var kept) || candidate.Weight > kept.Weight) best[ids[(int)v]] = candidate;
            }
        }
        var kernelIds = new uint[best.Count + 1];
        merged[0] = 0;
        var next = 1u;
        foreach (var k in best.Keys) { kernelIds[next] = k; merged[k] = next++; }
        return (BtfSubsetWriter.Write(best.Values), kernelIds);
    }
}
