using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// libbpf <c>bpf_object__create_maps</c> creates every map of the object before loading any program, so a map whose
/// type the kernel's <c>enum bpf_map_type</c> lacks (by name, e.g. BPF_MAP_TYPE_RINGBUF before 5.8, ARENA before 6.9)
/// fails the whole object (<c>map_create</c>: EINVAL), whichever program uses it. BTF-defined and legacy maps alike.
/// </summary>
public sealed class MapTypeRule() : VerdictRule(
    RuleCode.Fails(ReasonCodes.MapTypeUnsupported, "kernel BTF: enum bpf_map_type")), IObjectRule
{
    public IEnumerable<ObjectFailure> Check(ObjectContext ctx)
    {
        foreach (var m in ctx.Object.Maps)
        {
            if (m.Origin is not (MapOrigin.BtfDefined or MapOrigin.Legacy)) continue;
            foreach (var map in m.Inner is null ? [m] : new[] { m, m.Inner })
            {
                if (ctx.Kernel.Enums.HasMapType(map.Definition.Type) != false) continue;
                var name = KernelEnums.MapTypeName(map.Definition.Type);
                yield return new ObjectFailure(ReasonCodes.MapTypeUnsupported, m.Name,
                    $"map '{map.Name}': type {name} is not in {ctx.KernelName}'s enum bpf_map_type: map creation fails (EINVAL), and libbpf creates every map before loading any program",
                    new HashSet<string>());
            }
        }
    }
}

/// <summary>
/// The kernel refuses to create a map with max_entries 0 (except perf event arrays, which libbpf sizes to the CPU count,
/// local storages and struct_ops); skeleton tools often size maps at run time, so this is only a note.
/// </summary>
public sealed class UnsizedMapRule() : VerdictRule(
    RuleCode.Note(ReasonCodes.MapSizedAtRuntime, "object")), IProgramRule
{
    // perf event array, sk / inode / task / cgroup local storage, struct_ops.
    private static readonly HashSet<uint> ZeroEntriesAllowed = [4, 24, 26, 28, 29, 32];

    public void Check(ProgramContext ctx, Findings findings)
    {
        foreach (var m in ctx.Obj.Object.Maps)
            if (m.Origin is MapOrigin.BtfDefined or MapOrigin.Legacy && m.Definition.MaxEntries == 0 && !ZeroEntriesAllowed.Contains(m.Definition.Type))
                findings.Add(new Reason(ReasonCodes.MapSizedAtRuntime, m.Name, null,
                    $"note: program '{ctx.Name}': map '{m.Name}' has max_entries 0: the object loads only if the loader sizes it at run time (skeleton tools do; loaded as shipped, map creation fails with EINVAL)"));
    }
}
