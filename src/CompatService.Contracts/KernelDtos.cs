namespace CompatService.Contracts;

public sealed record KernelDto(
    long Id, string Sha256, string? Release, string? Arch, string? Flavour, string? Distro,
    IReadOnlyDictionary<string, string> Labels, int KfuncCount, int TypeCount, int FunctionCount,
    bool HasKfuncTags, bool HasKfuncFlags, IReadOnlyList<string> Modules, string Source, DateTimeOffset CreatedAt,
    bool HasConfig = false,
    string? ReleaseBound = null)
{
    /// <summary>How every face names a kernel: its release, else "unnamed kernel 382c4b…" (its BTF sha256's head).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string DisplayName => Release ?? UnnamedName(Sha256);

    /// <summary>"unnamed kernel 382c4b…": the one spelling of a kernel without a release (its BTF sha256's head).</summary>
    public static string UnnamedName(string btfSha256) => $"unnamed kernel {btfSha256[..Math.Min(6, btfSha256.Length)]}…";
}

/// <summary>One kfunc (or ksym variable when <see cref="Kind"/> is "var") of a kernel.</summary>
public sealed record KernelKfuncDto(
    string Name, uint BtfId, string? Module, string Prototype, bool Tagged, uint? Flags,
    IReadOnlyList<string> FlagNames, string Kind);

/// <summary>
/// Two kernels compared: kfuncs added / removed / changed, and (from their own BTF enums) helpers, program types, attach
/// types and map types added and removed; each of those is null when a kernel's BTF lacks the enum.
/// </summary>
public sealed record KernelDiffDto(
    KernelDto From, KernelDto To,
    IReadOnlyList<KernelKfuncDto> Added, IReadOnlyList<KernelKfuncDto> Removed,
    IReadOnlyList<KfuncPrototypeChange> Changed,
    KernelEnumDiffDto? Helpers = null, KernelEnumDiffDto? ProgramTypes = null,
    KernelEnumDiffDto? AttachTypes = null, KernelEnumDiffDto? MapTypes = null);

/// <summary>Entries of one kernel enum added (in the second kernel only) and removed (in the first only).</summary>
public sealed record KernelEnumDiffDto(IReadOnlyList<KernelEnumEntryDto> Added, IReadOnlyList<KernelEnumEntryDto> Removed);

/// <summary>An enumerator: short name (bpf_loop, syscall, ringbuf), the kernel's spelling (BPF_FUNC_loop) and its value.</summary>
public sealed record KernelEnumEntryDto(string Name, string EnumName, long Value);

public sealed record KfuncPrototypeChange(string Name, string FromPrototype, string ToPrototype);

/// <summary>One kfunc across all kernels.</summary>
public sealed record KfuncHistoryDto(string Name, IReadOnlyList<KfuncPresence> Kernels);

/// <summary>The kfunc on one kernel; <see cref="Sha256"/> (the kernel's BTF sha256) was added later, so older payloads lack it.</summary>
public sealed record KfuncPresence(
    long KernelId, string? Release, string? Arch, string? Flavour, string? Distro,
    bool Present, string? Prototype, bool Tagged, uint? Flags, string? Module, string? Sha256 = null)
{
    /// <summary>The kernel's name as every face spells it (<see cref="KernelDto.DisplayName"/>); by id only when the sha256 is missing.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string KernelName => Release ?? (Sha256 is { } sha ? KernelDto.UnnamedName(sha) : $"unnamed kernel (id {KernelId})");
}

/// <summary>PATCH /api/kernels/{id}: any of these; null says nothing. Labels are merged, a null value removes a label.</summary>
public sealed record KernelPatchRequest(
    string? Release = null, string? Arch = null, string? Flavour = null, string? Distro = null,
    IReadOnlyDictionary<string, string?>? Labels = null);
