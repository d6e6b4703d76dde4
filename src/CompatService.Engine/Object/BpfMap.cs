using CompatService.Engine.Btf;

namespace CompatService.Engine.Object;

public enum MapOrigin { BtfDefined, Legacy, GlobalData, Kconfig }

/// <summary>A map the object defines (BTF .maps, legacy maps, or a global-data section: .data/.rodata/.bss/.kconfig).</summary>
public sealed class BpfMap
{
    public required string Name { get; init; }
    public required MapOrigin Origin { get; init; }
    public required string SectionName { get; init; }
    public required int SectionIndex { get; init; }
    /// <summary>Offset of the definition (or 0 for global data) inside its section.</summary>
    public ulong SectionOffset { get; init; }
    public uint Type { get; init; }
    public uint KeySize { get; init; }
    public uint ValueSize { get; init; }
    public uint MaxEntries { get; init; }
    public uint Flags { get; init; }
    public uint Pinning { get; init; }
    public BtfTypeId KeyType { get; init; }
    public BtfTypeId ValueType { get; init; }
    /// <summary>Initial contents for global-data maps (.data/.rodata); empty for .bss and others.</summary>
    public ReadOnlyMemory<byte> InitialValue { get; init; }
    /// <summary>Inner map for map-in-map definitions (BTF `values` member), when declared.</summary>
    public BpfMap? Inner { get; init; }
    public bool IsReadOnly { get; init; }
    public override string ToString() => $"map {Name} ({Origin}, type {Type})";
}
