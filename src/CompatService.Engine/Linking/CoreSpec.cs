using CompatService.Engine.Btf;

namespace CompatService.Engine.Linking;

/// <summary>
/// One step of a CO-RE access path. Named steps are struct/union members (<see cref="TypeId"/> = the composite holding the
/// member, <see cref="Index"/> = member index) or enumerators; unnamed steps are array indexing (<see cref="TypeId"/> = the
/// element type) — step 0 is always the index applied to the root pointer.
/// </summary>
public readonly record struct CoreAccessor(BtfTypeId TypeId, int Index, string? Name);

/// <summary>
/// An access spec resolved against one BTF (libbpf's bpf_core_spec): the root type, the named/array steps (anonymous
/// members are folded into the bit offset), the raw indices, and the bit offset of the accessed field from the root.
/// </summary>
public sealed class CoreSpec
{
    public required BtfSpec Btf { get; init; }
    public required BtfTypeId RootId { get; init; }
    public required CoreReloKind Kind { get; init; }
    public List<CoreAccessor> Accessors { get; } = new();
    public List<int> Raw { get; } = new();
    public long BitOffset { get; set; }
    /// <summary>The module whose BTF holds the target type (null for vmlinux or the object's own BTF).</summary>
    public string? Module { get; init; }

    public override string ToString() => $"[{RootId}] {string.Join(':', Raw)} @bit {BitOffset}";
}

/// <summary>Thrown for a relocation libbpf refuses outright (bad access string, anonymous local type): the load fails.</summary>
public sealed class CoreRelocationException(string message) : Exception(message);
