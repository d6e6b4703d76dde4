namespace CompatService.Engine.Kernels;

/// <summary>Entries of one kernel enum present in the newer kernel only (added) or in the older only (removed), by name.</summary>
public sealed record KernelEnumDiff(IReadOnlyList<KernelEnumValue> Added, IReadOnlyList<KernelEnumValue> Removed);

/// <summary>
/// How the BPF surface of two kernels differs, from their own BTF enums (<see cref="KernelEnums"/>): helpers
/// (<c>enum bpf_func_id</c>), program types, attach types and map types. A part is null when either kernel's BTF lacks
/// the enum (nothing can be said), never "no change".
/// </summary>
public sealed record KernelSurfaceDiff(KernelEnumDiff? Helpers, KernelEnumDiff? ProgramTypes, KernelEnumDiff? AttachTypes, KernelEnumDiff? MapTypes)
{
    public static KernelSurfaceDiff Of(KernelEnums from, KernelEnums to) => new(
        Diff(from.Helpers, to.Helpers), Diff(from.ProgramTypes, to.ProgramTypes),
        Diff(from.AttachTypes, to.AttachTypes), Diff(from.MapTypes, to.MapTypes));

    private static KernelEnumDiff? Diff(IReadOnlyList<KernelEnumValue>? from, IReadOnlyList<KernelEnumValue>? to)
    {
        if (from is null || to is null) return null;
        var a = from.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var b = to.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        return new KernelEnumDiff(
            to.Where(v => !a.Contains(v.Name)).DistinctBy(v => v.Name).OrderBy(v => v.Value).ThenBy(v => v.Name, StringComparer.Ordinal).ToArray(),
            from.Where(v => !b.Contains(v.Name)).DistinctBy(v => v.Name).OrderBy(v => v.Value).ThenBy(v => v.Name, StringComparer.Ordinal).ToArray());
    }

    /// <summary>The short name of an enumerator: BPF_FUNC_loop → bpf_loop, BPF_PROG_TYPE_SYSCALL → syscall, BPF_MAP_TYPE_RINGBUF → ringbuf, BPF_TRACE_FENTRY → trace_fentry.</summary>
    public static string ShortName(string enumName)
    {
        foreach (var (prefix, keep) in new[] { ("BPF_FUNC_", "bpf_"), ("BPF_PROG_TYPE_", ""), ("BPF_MAP_TYPE_", ""), ("BPF_", "") })
            if (enumName.StartsWith(prefix, StringComparison.Ordinal))
                return keep + (keep.Length > 0 ? enumName[prefix.Length..] : enumName[prefix.Length..].ToLowerInvariant());
        return enumName;
    }
}
