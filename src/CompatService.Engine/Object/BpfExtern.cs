using CompatService.Engine.Btf;
using CompatService.Engine.Elf;

namespace CompatService.Engine.Object;

public enum ExternKind { Kfunc, TypedKsym, TypelessKsym, Kconfig }

/// <summary>
/// An undefined GLOBAL/WEAK NOTYPE symbol of the object, as libbpf collects it.
/// <see cref="Index"/> is libbpf's ext_idx (kconfig first by alignment desc, size asc, then name; then ksyms by name),
/// used in the poison constant 2002000000 + index.
/// </summary>
public sealed class BpfExtern
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    /// <summary>The name without a ___flavour suffix (what is looked up in the kernel).</summary>
    public required string EssentialName { get; init; }
    public required ExternKind Kind { get; init; }
    public required bool IsWeak { get; init; }
    public required ElfSymbol Symbol { get; init; }
    /// <summary>The object's BTF FUNC or VAR for this extern.</summary>
    public required BtfTypeId BtfId { get; init; }
    /// <summary>FUNC_PROTO for a kfunc, the variable's type for a ksym / kconfig.</summary>
    public required BtfTypeId TypeId { get; init; }
    /// <summary>Offset inside the .kconfig map (kconfig externs only).</summary>
    public uint KconfigOffset { get; init; }
    public uint KconfigSize { get; init; }
    public override string ToString() => $"{Kind} {Name}{(IsWeak ? " (weak)" : "")} #{Index}";
}
