using CompatService.Engine.Object;

namespace CompatService.Engine.Linking;

public enum ExternStatus
{
    /// <summary>Found in vmlinux or a module with a compatible type.</summary>
    Resolved,
    /// <summary>Not found in vmlinux or any module BTF.</summary>
    Missing,
    /// <summary>Found, but the prototype / type is incompatible with the object's declaration.</summary>
    Incompatible,
    /// <summary>Resolved at load time from the host (typeless ksyms from kallsyms, kconfig from the config): not decidable from BTF.</summary>
    HostResolved,
}

/// <summary>
/// How one extern resolved on one kernel. <see cref="ModuleSlot"/> is the fd_array slot (0 = vmlinux) that libbpf
/// assigns object-wide, in extern order, to each module that provides a resolved kfunc.
/// </summary>
public sealed record ExternResolution(
    BpfExtern Extern,
    ExternStatus Status,
    uint? KernelBtfId,
    string? Module,
    int ModuleSlot,
    string? KernelPrototype)
{
    /// <summary>A weak extern that did not resolve: calls get poisoned, address loads become 0.</summary>
    public bool IsUnresolvedWeak => Extern.IsWeak && Status is ExternStatus.Missing or ExternStatus.Incompatible;
    public bool IsSet => Status == ExternStatus.Resolved;
}

/// <summary>Object-wide extern resolution against one kernel: per extern, plus the module slots in order (index 0 unused).</summary>
public sealed record ObjectResolution(IReadOnlyList<ExternResolution> Externs, IReadOnlyList<string> ModuleSlots)
{
    public ExternResolution For(BpfExtern ext) => Externs[ext.Index];
}
