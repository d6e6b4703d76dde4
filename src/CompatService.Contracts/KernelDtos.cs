namespace CompatService.Contracts;

public sealed record KernelDto(
    long Id, string Sha256, string? Release, string? Arch, string? Flavour, string? Distro,
    IReadOnlyDictionary<string, string> Labels, int KfuncCount, int TypeCount, int FunctionCount,
    bool HasKfuncTags, bool HasKfuncFlags, IReadOnlyList<string> Modules, string Source, DateTimeOffset CreatedAt,
    bool HasConfig = false);

/// <summary>One kfunc (or ksym variable when <see cref="Kind"/> is "var") of a kernel.</summary>
public sealed record KernelKfuncDto(
    string Name, uint BtfId, string? Module, string Prototype, bool Tagged, uint? Flags,
    IReadOnlyList<string> FlagNames, string Kind);

public sealed record KernelDiffDto(
    KernelDto From, KernelDto To,
    IReadOnlyList<KernelKfuncDto> Added, IReadOnlyList<KernelKfuncDto> Removed,
    IReadOnlyList<KfuncPrototypeChange> Changed);

public sealed record KfuncPrototypeChange(string Name, string FromPrototype, string ToPrototype);

/// <summary>One kfunc across all kernels.</summary>
public sealed record KfuncHistoryDto(string Name, IReadOnlyList<KfuncPresence> Kernels);

public sealed record KfuncPresence(
    long KernelId, string? Release, string? Arch, string? Flavour, string? Distro,
    bool Present, string? Prototype, bool Tagged, uint? Flags, string? Module);
