using CompatService.Engine.Btf;

namespace CompatService.Engine.Object;

public enum MapOrigin { BtfDefined, Legacy, GlobalData, Kconfig }

/// <summary>
/// What BPF_MAP_CREATE takes from a map definition (libbpf's <c>struct bpf_map_def</c>, a BTF-defined map's
/// <c>__uint</c> fields): map type, key and value size, max_entries, map_flags. The one home of these fields: the object's
/// <see cref="BpfMap"/> carries it and the loader's map-create request is built from it.
/// </summary>
public readonly record struct MapDefinition(uint Type, uint KeySize, uint ValueSize, uint MaxEntries, uint Flags = 0);

/// <summary>A map the object defines (BTF .maps, legacy maps, or a global-data section: .data/.rodata/.bss/.kconfig).</summary>
public sealed class BpfMap
{
    public required string Name { get; init; }
    public required MapOrigin Origin { get; init; }
    public required string SectionName { get; init; }
    public required int SectionIndex { get; init; }
    /// <summary>Offset of the definition (or 0 for global data) inside its section.</summary>
    public ulong SectionOffset { get; init; }
    public MapDefinition Definition { get; init; }
    public uint Pinning { get; init; }
    public BtfTypeId KeyType { get; init; }
    public BtfTypeId ValueType { get; init; }
    /// <summary>Initial contents for global-data maps (.data/.rodata); empty for .bss and others.</summary>
    public ReadOnlyMemory<byte> InitialValue { get; init; }
    /// <summary>Inner map for map-in-map definitions (BTF `values` member), when declared.</summary>
    public BpfMap? Inner { get; init; }
    public bool IsReadOnly { get; init; }
    public override string ToString() => $"map {Name} ({Origin}, type {Definition.Type})";
}
