using CompatService.Engine.Asm;
using CompatService.Engine.Btf;
using CompatService.Engine.Object;

namespace CompatService.Engine.Kernels;

/// <summary>One enumerator of a kernel enum: the kernel's own spelling (e.g. BPF_FUNC_loop) and its value.</summary>
public readonly record struct KernelEnumValue(string Name, long Value);

/// <summary>
/// The kernel's BPF surface as its own BTF spells it: <c>enum bpf_func_id</c> (helpers), <c>bpf_prog_type</c>,
/// <c>bpf_attach_type</c>, <c>bpf_map_type</c>, <c>bpf_link_type</c> and, from 6.17, <c>bpf_features</c>. Each list is
/// null when the BTF has no such enum (nothing can be said), never "empty". The MAX / __MAX sentinels are left out.
/// Look-ups go by NAME: the object's helper id / type id is mapped to a name with the engine's tables, then looked up here.
/// </summary>
public sealed class KernelEnums
{
    private readonly Dictionary<string, long>? _helpers, _progTypes, _attachTypes, _mapTypes;

    private KernelEnums(BtfSpec vmlinux)
    {
        Helpers = Read(vmlinux, "bpf_func_id", "BPF_FUNC_");
        ProgramTypes = Read(vmlinux, "bpf_prog_type", "BPF_PROG_TYPE_");
        AttachTypes = Read(vmlinux, "bpf_attach_type", "BPF_");
        MapTypes = Read(vmlinux, "bpf_map_type", "BPF_MAP_TYPE_");
        LinkTypes = Read(vmlinux, "bpf_link_type", "BPF_LINK_TYPE_");
        Features = Read(vmlinux, "bpf_features", "BPF_FEAT_");
        _helpers = Index(Helpers); _progTypes = Index(ProgramTypes); _attachTypes = Index(AttachTypes); _mapTypes = Index(MapTypes);
    }

    public static KernelEnums Of(BtfSpec vmlinux) => new(vmlinux);

    public IReadOnlyList<KernelEnumValue>? Helpers { get; }
    public IReadOnlyList<KernelEnumValue>? ProgramTypes { get; }
    public IReadOnlyList<KernelEnumValue>? AttachTypes { get; }
    public IReadOnlyList<KernelEnumValue>? MapTypes { get; }
    public IReadOnlyList<KernelEnumValue>? LinkTypes { get; }
    public IReadOnlyList<KernelEnumValue>? Features { get; }

    /// <summary>BPF_FUNC_x for a helper id, through the engine's table (bpf_x); ids the table does not know are looked up by value.</summary>
    public bool? HasHelper(int id)
    {
        if (_helpers is null) return null;
        return HelperNames.Name(id) is { } name ? _helpers.ContainsKey(HelperEnumName(name)) : Helpers!.Any(v => v.Value == id);
    }

    /// <summary>Program type by the engine's name ("syscall" → BPF_PROG_TYPE_SYSCALL).</summary>
    public bool? HasProgramType(string name) => _progTypes?.ContainsKey(ProgramTypeName(name));

    /// <summary>Attach type by the engine's name ("trace_fentry" → BPF_TRACE_FENTRY).</summary>
    public bool? HasAttachType(string name) => _attachTypes?.ContainsKey(AttachTypeName(name));

    /// <summary>Map type by its UAPI id, through the engine's name table (unknown ids by value).</summary>
    public bool? HasMapType(uint id)
    {
        if (_mapTypes is null) return null;
        return MapTypeNames.Name(id) is { } name ? _mapTypes.ContainsKey(MapTypeName(name)) : MapTypes!.Any(v => v.Value == id);
    }

    public static string HelperEnumName(string helperName) => "BPF_FUNC_" + (helperName.StartsWith("bpf_", StringComparison.Ordinal) ? helperName[4..] : helperName);
    public static string ProgramTypeName(string name) => "BPF_PROG_TYPE_" + name.ToUpperInvariant();
    public static string AttachTypeName(string name) => "BPF_" + name.ToUpperInvariant();
    public static string MapTypeName(string name) => "BPF_MAP_TYPE_" + name.ToUpperInvariant();
    public static string MapTypeName(uint id) => MapTypeNames.Name(id) is { } n ? MapTypeName(n) : $"map type {id}";

    private static IReadOnlyList<KernelEnumValue>? Read(BtfSpec spec, string enumName, string prefix)
    {
        var id = spec.FindFirstOfKind(enumName, BtfKind.Enum) ?? spec.FindFirstOfKind(enumName, BtfKind.Enum64);
        if (id is null) return null;
        return ((BtfEnum)spec.GetType(id.Value)).Values
            .Where(v => v.Name.StartsWith(prefix, StringComparison.Ordinal) && !v.Name.StartsWith("__", StringComparison.Ordinal)
                        && v.Name != prefix + "MAX" && !v.Name.StartsWith("MAX_", StringComparison.Ordinal))
            .Select(v => new KernelEnumValue(v.Name, v.Value)).ToArray();
    }

    private static Dictionary<string, long>? Index(IReadOnlyList<KernelEnumValue>? values) =>
        values?.GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
}
