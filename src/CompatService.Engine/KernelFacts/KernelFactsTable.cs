namespace CompatService.Engine.KernelFacts;

/// <summary>Where a table came from: the Debian source package, its version and the sha256 of the .deb.</summary>
public sealed record KernelFactsSource(string Package, string PackageVersion, string Sha256, string? Suite);

/// <summary>One kfunc of a set: its KF_* flags as the kernel spells them ("KF_ACQUIRE|KF_RET_NULL", "0") and the
/// preprocessor condition it is listed under, if any.</summary>
public sealed record KfuncFact(string Name, string Flags, string? Condition);

/// <summary>A BTF_SET8 / BTF_KFUNCS set: "file:name", its kfuncs in source order.</summary>
public sealed record KfuncSetFact(string Id, IReadOnlyList<KfuncFact> Kfuncs);

/// <summary>
/// <c>register_btf_kfunc_id_set(&lt;prog type&gt;, &amp;kfunc_id_set)</c>: the program type (libbpf name, "unspec" for
/// the COMMON hook), the set it registers, the set's <c>.filter</c> callback when it has one (the filter further
/// restricts which programs may call it) and the preprocessor condition around the call.
/// </summary>
public sealed record KfuncRegistration(string ProgramType, string SetId, string? Filter, string? Condition);

/// <summary>
/// A helper a program type's <c>get_func_proto</c> returns: unconditionally (no alternatives) or when every condition
/// of one alternative holds ("CAP_BPF", "CONFIG_CGROUPS", "sleepable", "attach_type == BPF_TRACE_ITER", ...).
/// </summary>
public sealed record HelperFact(string Name, IReadOnlyList<IReadOnlyList<string>> Alternatives)
{
    public bool Unconditional => Alternatives.Count == 0 || Alternatives.Any(a => a.Count == 0);
}

/// <summary>A program type (libbpf name), its <c>get_func_proto</c> and the helpers it may call.</summary>
public sealed record ProgramTypeFacts(string Name, string FuncProto, IReadOnlyList<HelperFact> Helpers);

/// <summary>
/// The facts of one upstream kernel version (major.minor) that no kernel BTF carries, generated from its source by
/// tools/CompatService.KernelFacts.Generator: kfunc sets with KF_* flags, which program types each set is registered
/// for, the kfunc hooks (enum btf_kfunc_hook) and the program type → hook map, the helpers each program type may call,
/// and which program types may be sleepable.
/// </summary>
public sealed record KernelFactsTable(
    string Version,
    KernelFactsSource Source,
    IReadOnlyList<string> Helpers,
    IReadOnlyList<string> KfuncHooks,
    IReadOnlyDictionary<string, string> ProgramTypeHooks,
    string DefaultHook,
    IReadOnlyList<KfuncSetFact> KfuncSets,
    IReadOnlyList<KfuncRegistration> Registrations,
    IReadOnlyList<ProgramTypeFacts> ProgramTypes,
    IReadOnlyList<string> SleepableProgramTypes)
{
    public const int Format = 1;

    public Version ParsedVersion => System.Version.Parse(Version);
}
