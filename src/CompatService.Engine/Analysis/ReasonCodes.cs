namespace CompatService.Engine.Analysis;

/// <summary>Stable reason codes, one per rule of the catalog (Analysis/Rules). CI scripts match on these: extend, never rename.</summary>
public static class ReasonCodes
{
    public const string KfuncMissing = "kfunc-missing";
    public const string KfuncIncompatible = "kfunc-incompatible";
    public const string WeakKfuncUnguarded = "weak-kfunc-unguarded";
    public const string KsymExistsUnsupported = "ksym-exists-unsupported";
    public const string KfuncRequiresGpl = "kfunc-requires-gpl";
    public const string NotAKfunc = "not-a-kfunc";
    public const string KfuncTagsUnavailable = "kfunc-tags-unavailable";
    public const string KsymMissing = "ksym-missing";
    public const string KsymIncompatible = "ksym-incompatible";
    /// <summary>A typed ksym (a kernel data symbol) on a kernel whose config says it is built without CONFIG_KALLSYMS_ALL: the verifier cannot find its address.</summary>
    public const string KsymNotInKallsyms = "ksym-not-in-kallsyms";
    public const string ExternWithoutBtf = "extern-without-btf";
    public const string NoBtf = "no-btf";
    public const string ObjectOpenFailed = "object-open-failed";
    /// <summary>A strong typeless ksym on a kernel known only by its BTF: its kallsyms (the image's, or the host's) decide it.</summary>
    public const string TypelessKsymHostOnly = "typeless-ksym-host-only";
    /// <summary>A strong typeless ksym whose name is not in the kernel's kallsyms (read from its image): libbpf refuses the object.</summary>
    public const string TypelessKsymMissing = "typeless-ksym-missing";
    /// <summary>A strong typeless ksym that the image's (vmlinux-only) kallsyms lacks and no known module BTF has: a module may provide it.</summary>
    public const string TypelessKsymModuleUnknown = "typeless-ksym-module-unknown";
    /// <summary>A typeless ksym whose name kallsyms lists at two different addresses: libbpf refuses it as ambiguous.</summary>
    public const string KsymAmbiguous = "ksym-ambiguous";
    public const string KconfigUnknown = "kconfig-unknown";
    public const string KconfigMissing = "kconfig-missing";
    public const string UnknownProgramType = "unknown-program-type";
    public const string KfuncNeedsSleepable = "kfunc-needs-sleepable";
    /// <summary>A non-sleepable program hands a sleepable (bpf_wq / bpf_task_work) callback over on a kernel whose verifier refuses that.</summary>
    public const string SleepableCallbackRefused = "sleepable-callback-refused";
    /// <summary>The same on a kernel between the 6.12 and 7.2 sources, where no observation or source says whether it is refused.</summary>
    public const string SleepableCallbackUnknown = "sleepable-callback-unknown";
    /// <summary>A reachable kfunc call from a program type the kernel has no kfunc hook for (before 6.2: anything but xdp, tc, struct_ops, tracing, lsm, syscall).</summary>
    public const string KfuncNotAllowed = "kfunc-not-allowed";
    /// <summary>Note: the kernel says which functions are kfuncs (tags) but not their KF_* flags (no image .BTF_ids).</summary>
    public const string KfuncFlagsUnavailable = "kfunc-flags-unavailable";
    public const string AttachTargetMissing = "attach-target-missing";
    public const string AttachTargetAtRuntime = "attach-target-at-runtime";
    public const string StructOpsTypeMissing = "struct-ops-type-missing";
    /// <summary>A struct_ops map's members do not fit the kernel's struct (libbpf init_kern: member missing, kind or size differs).</summary>
    public const string StructOpsMemberMismatch = "struct-ops-member-mismatch";
    /// <summary>A struct_ops program that no struct_ops map references (libbpf: no attach_btf_id, EINVAL at load).</summary>
    public const string StructOpsUnreferenced = "struct-ops-unreferenced";
    public const string LegacyMapsUnsupported = "legacy-maps-unsupported";
    /// <summary>A kfunc instruction on a kernel whose verifier cannot call kfuncs at all (no kfunc machinery in its BTF: before 5.13).</summary>
    public const string KfuncsUnsupported = "kfuncs-unsupported";
    public const string ModuleKfuncsUnsupported = "module-kfuncs-unsupported";
    public const string WeakKfuncDisabled = "weak-kfunc-disabled";
    /// <summary>Note: a weak kfunc whose prototype differs from the kernel's stays unresolved (libbpf); cilium/ebpf refuses the load.</summary>
    public const string WeakKfuncIncompatible = "weak-kfunc-incompatible";
    /// <summary>Note: a map with max_entries 0 loads only when the loader sizes it at run time (skeleton tools do).</summary>
    public const string MapSizedAtRuntime = "map-sized-at-runtime";
    /// <summary>A CO-RE relocation has no target on the kernel and its poisoned instruction is reachable, or libbpf refuses it (ambiguity, bad instruction).</summary>
    public const string CoreRelocationFailed = "core-relocation-failed";
    /// <summary>A reachable call to a helper the kernel's enum bpf_func_id lacks (after libbpf's probe_read rewrites).</summary>
    public const string HelperMissing = "helper-missing";
    /// <summary>The program type (from its section, libbpf's rules) is not in the kernel's enum bpf_prog_type.</summary>
    public const string ProgramTypeUnsupported = "program-type-unsupported";
    /// <summary>The expected attach type (from its section) is not in the kernel's enum bpf_attach_type.</summary>
    public const string AttachTypeUnsupported = "attach-type-unsupported";
    /// <summary>A map of the object has a type the kernel's enum bpf_map_type lacks: the whole object fails.</summary>
    public const string MapTypeUnsupported = "map-type-unsupported";
    /// <summary>An instruction of a newer instruction set / verifier generation (jmp32, atomics with fetch, cpu v4, ...) than the kernel's.</summary>
    public const string IsaUnsupported = "isa-unsupported";
    /// <summary>Unknown: the kernel's BTF lacks the BPF enum a rule needs (bpf_func_id, bpf_prog_type, ...): supply its full vmlinux BTF.</summary>
    public const string KernelEnumsUnavailable = "kernel-enums-unavailable";
    /// <summary>Unknown: a rule needs the kernel's upstream version and neither a release string nor its BTF tells it: supply the release.</summary>
    public const string KernelReleaseUnknown = "kernel-release-unknown";
    /// <summary>Note: a branch was decided by a read-only global (.rodata, const volatile) as shipped in the object; a loader may change it before loading.</summary>
    public const string RodataAsShipped = "rodata-as-shipped";
    /// <summary>BPF-to-BPF recursion (a sub-program calling itself, directly or through others): the verifier refuses it on every kernel.</summary>
    public const string RecursiveCall = "recursive-call";
    /// <summary>A chain of BPF-to-BPF calls deeper than the verifier's 8 frames (MAX_CALL_FRAMES).</summary>
    public const string CallStackTooDeep = "call-stack-too-deep";
    /// <summary>More than 256 functions (the program and its sub-programs) in one program (BPF_MAX_SUBPROGS).</summary>
    public const string TooManySubprograms = "too-many-subprograms";
    /// <summary>A reachable helper call the program type's get_func_proto does not return (kernel-facts table of the kernel's version): "unknown func bpf_x#N".</summary>
    public const string HelperNotAllowed = "helper-not-allowed";
    /// <summary>Unknown: the kernel-facts table allows the call only under a condition the engine cannot tell (a kconfig option of a kernel without config, a kfunc set's filter callback, ...).</summary>
    public const string KernelFactsConditional = "kernel-facts-conditional";
    /// <summary>Unknown: no kernel-facts table decides for this kernel (newer than every table, version unknown) or the table predates the kfunc / helper.</summary>
    public const string KernelFactsUnavailable = "kernel-facts-unavailable";
    /// <summary>Unknown: checking the object on this kernel ran over the engine's work (or time) budget; the message says what ran over.</summary>
    public const string AnalysisBudgetExceeded = "analysis-budget-exceeded";
    /// <summary>Unknown: the engine failed on this object and kernel (e.g. a stored object it can no longer read); the message holds the error.</summary>
    public const string AnalysisFailed = "analysis-failed";
}
