using CompatService.Engine.Analysis;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>One program's expected outcome on one kernel: verdict, the failing / unknown reason codes, whether weak paths are disabled.</summary>
public sealed record Expected(Verdict Verdict, string[] Codes, bool Disabled)
{
    /// <summary>Note codes the result must carry as well (e.g. rodata-as-shipped when a .rodata value decided it).</summary>
    public string[] Notes { get; init; } = [];

    public static Expected Loads(bool disabled = false) => new(Verdict.Loads, [], disabled);
    public static Expected Fails(string code) => new(Verdict.Fails, [code], false);
    public static Expected Unknown(string code) => new(Verdict.Unknown, [code], false);
}

/// <summary>
/// The verdicts tests/fixtures/bpf/README.md documents, per kernel family (6.1 / 6.12 / 7.2 / 6.18), derived from libbpf v1.7
/// and the kernels' real BTF — not from the engine. Facts that depend on the kernel set (module BTF given, config known)
/// are read from the kernel set itself.
/// </summary>
public static class FixtureExpectations
{
    public static Expected For(string fixture, string program, string family, KernelBtfSet kernel)
    {
        if (family == "5.10" && For510(fixture, program) is { } old) return old;
        var is61 = family == "6.1";
        return fixture switch
        {
            // bpf_prog_active is a per-cpu data symbol: in kallsyms only with CONFIG_KALLSYMS_ALL (Debian 6.1 arm64 and
            // this machine's 6.18 build lack it; where the config is unknown nothing can be said beyond the BTF).
            "ksym_typed_present" => kernel.Config is { } c && !c.ContainsKey("CONFIG_KALLSYMS_ALL")
                ? Expected.Fails(ReasonCodes.KsymNotInKallsyms) : Expected.Loads(),
            // bpf_key_put (tracing-only up to 6.12, generic by 7.2) is called only behind `const volatile int dead_gate = 0`:
            // libbpf freezes .rodata, the verifier reads the 0 and never walks the call, so it loads everywhere — as shipped:
            // the note says so where the gate decides the verdict (not on 7.2, where tc may call bpf_key_put anyway).
            "kfunc_weak_present" => family == "7.2" ? Expected.Loads() : Expected.Loads() with { Notes = [ReasonCodes.RodataAsShipped] },
            "kfunc_strong_present" or "ksym_typed_weak_missing"
                or "kfunc_flavour" or "xdp_pass" or "socket_filter_map" => Expected.Loads(),
            "kfunc_strong_missing" or "multi_prog_strong_missing" => Expected.Fails(ReasonCodes.KfuncMissing),
            "kfunc_weak_missing_guarded" or "kfunc_guard_spilled" or "kfunc_proto_mismatch_weak"
                or "subprog_poisoned_first" or "weak_guard_via_variable" => Expected.Loads(disabled: true),
            "kfunc_weak_missing_unguarded" => Expected.Fails(ReasonCodes.WeakKfuncUnguarded),
            // task_struct.saved_state: absent from 6.1's BTF (except PREEMPT_RT builds, which always had it), present in 6.12, 7.2 and 6.18.
            "core_field_exists" => program == "core_unguarded"
                ? (HasSavedState(kernel) ? Expected.Loads() : Expected.Fails(ReasonCodes.CoreRelocationFailed))
                : Expected.Loads(disabled: !HasSavedState(kernel)),
            // The unguarded read sits in a .text sub-program whose call is guarded.
            "core_subprog" => Expected.Loads(disabled: !HasSavedState(kernel)),
            // Every CO-RE kind, guarded; BPF_MAP_TYPE_ARENA (6.9+) is missing on 6.1, where its value read is dead.
            "core_kinds" => Expected.Loads(disabled: !HasEnumerator(kernel, "bpf_map_type", "BPF_MAP_TYPE_ARENA")),
            "kfunc_proto_mismatch_strong" => Expected.Fails(ReasonCodes.KfuncIncompatible),
            "ksym_exists_present" => is61 ? Expected.Fails(ReasonCodes.KsymExistsUnsupported) : Expected.Loads(),
            "ksym_typed_strong_missing" => Expected.Fails(ReasonCodes.KsymMissing),
            "no_btf" => Expected.Fails(ReasonCodes.NoBtf),
            "iter_num_strong" => is61 ? Expected.Fails(ReasonCodes.KfuncMissing) : Expected.Loads(),
            "iter_num_weak" => Expected.Loads(disabled: is61),
            "non_gpl_dead_kfunc" => Expected.Fails(ReasonCodes.KfuncRequiresGpl),
            "kconfig_externs" => kernel.Config is null ? Expected.Unknown(ReasonCodes.KconfigUnknown) : Expected.Loads(),
            "sleepable_kfunc" => kernel.Vmlinux.FindFunc("bpf_copy_from_user_str") is null
                ? Expected.Loads(disabled: true)
                : program == "nonsleepable_caller"
                    ? Expected.Fails(ReasonCodes.KfuncNeedsSleepable) // KF_SLEEPABLE: the image's .BTF_ids, else the kernel-facts table
                    : Expected.Loads(),
            // kernel/bpf/verifier.c push_async_cb(..., is_async_cb_sleepable): a bpf_wq callback is verified as sleepable, a
            // bpf_timer one never; a callback whose set-up is dead is not verified. bpf_wq from 6.10, the sleepable kfunc from
            // 6.12 (both weak and guarded). 6.18 (this machine) refuses a sleepable callback from a non-sleepable program
            // outright; the 6.12 and 7.2 sources do not (both lab images load wq_cb_caller).
            "async_cb_sleepable" => AsyncCallback(program, kernel),
            // 6.1 only (later kernels moved the test kfuncs to bpf_testmod); 6.1 has no kfunc hook for socket filters.
            "kfunc_prog_type" => kernel.Vmlinux.FindFunc("bpf_kfunc_call_test_pass_ctx") is null
                ? Expected.Fails(ReasonCodes.KfuncMissing)
                : program == "pass_ctx_socket" ? Expected.Fails(ReasonCodes.KfuncNotAllowed) : Expected.Loads(),
            // The verifier refuses BPF-to-BPF recursion on every kernel (fib calls itself; mutual_a <-> mutual_b).
            "bpf2bpf_recursion" => Expected.Fails(ReasonCodes.RecursiveCall),
            // Generic kfunc set (6.2+): registered for tc, not for socket filters (kernel-facts tables 6.12, 7.2).
            "kfunc_task_from_pid" => kernel.Vmlinux.FindFunc("bpf_task_from_pid") is null
                ? Expected.Fails(ReasonCodes.KfuncMissing)
                : program == "task_from_pid_socket" ? Expected.Fails(ReasonCodes.KfuncNotAllowed) : Expected.Loads(),
            // bpf_get_current_task: bpf_base_func_proto behind perfmon_capable() (a privileged load may call it);
            // bpf_get_func_ip (id 173, 5.15+): tracing protos only (5.10 lacks the helper altogether: For510).
            "helper_prog_type" => program == "current_task_socket" ? Expected.Loads() : Expected.Fails(ReasonCodes.HelperNotAllowed),
            "kfunc_module_ct" => HasConntrack(kernel) ? Expected.Loads() : Expected.Fails(ReasonCodes.KfuncMissing),
            // The same module kfuncs, weak: unguarded, a missing module leaves a poisoned call on the path; guarded by
            // bpf_ksym_exists(), the calls are dead without the module, and with it the ld_imm64 of a kfunc is refused before 6.4.
            "kfunc_module_ct_weak" => program == "xdp_ct_weak_unguarded"
                ? (HasConntrack(kernel) ? Expected.Loads() : Expected.Fails(ReasonCodes.WeakKfuncUnguarded) with { Disabled = true })
                : HasConntrack(kernel) ? (is61 ? Expected.Fails(ReasonCodes.KsymExistsUnsupported) : Expected.Loads()) : Expected.Loads(disabled: true),
            // Guards that are constants after relocation / from frozen maps (issue 9 §3): the calls behind them are dead.
            // bpf_core_enum_value_exists(enum bpf_func_id, ...): helper 160 dead on 5.10 (no such enumerator), 999 everywhere.
            "helper_enum_guard" => Expected.Loads(disabled: true),
            // bpf_ksym_exists(present) && bpf_ksym_exists(missing): false everywhere; the ld_imm64 of the present
            // bpf_key_put is refused before 6.4 (5.10 lacks it too: 0, no ld_imm64 of a FUNC).
            "kfunc_and_guard" => is61 ? Expected.Fails(ReasonCodes.KsymExistsUnsupported) with { Disabled = true } : Expected.Loads(disabled: true),
            // LINUX_KERNEL_VERSION from the kernel's release: helper 160 from 5.11 (dead on 5.10), helper 999 from "200.0.0".
            // (A dead call to a helper the kernel lacks is a disabled path, like a dead poisoned kfunc call.)
            "kconfig_version_gate" => Expected.Loads(disabled: program == "kver_future" || family == "5.10"),
            // .rodata as shipped decides: both load, and say a loader may change it.
            "rodata_gate" => Expected.Loads(disabled: true) with { Notes = [ReasonCodes.RodataAsShipped] },
            // CONFIG_HZ / CONFIG_BPF_SYSCALL from the kernel's config: dead where it is known, undecided (unknown) where not.
            // LINUX_HAS_SYSCALL_WRAPPER (libbpf: a kprobe on __<arch>_sys_bpf) gates helper 999: 1 where the config has
            // CONFIG_KPROBE_EVENTS and the BTF the entry point (Debian), 0 without kprobe events (this 6.18 host), undecided without a config.
            "kconfig_syscall_wrapper" => kernel.Config is not { } sc ? Expected.Unknown(ReasonCodes.KconfigUnknown) with { Disabled = true }
                : !sc.ContainsKey("CONFIG_KPROBE_EVENTS") ? Expected.Loads(disabled: true)
                : new[] { "__x64_sys_bpf", "__arm64_sys_bpf" }.Any(f => kernel.Vmlinux.FindFunc(f) is not null) ? Expected.Fails(ReasonCodes.HelperMissing)
                : throw new InvalidOperationException("a corpus kernel with kprobe events but no syscall entry point in its BTF"),
            "kconfig_config_gate" => kernel.Config is null ? Expected.Unknown(ReasonCodes.KconfigUnknown) with { Disabled = true } : Expected.Loads(disabled: true),
            // Typeless ksyms resolve from kallsyms at load time (libbpf): decided where the kernel's kallsyms are known
            // (its image or package, the host's /proc/kallsyms), unknown from BTF alone; bpf_prog_put is a global function
            // (listed even without CONFIG_KALLSYMS_ALL), bpf_compat_no_such_symbol is in no kernel.
            "ksym_typeless_present" => kernel.Kallsyms is null ? Expected.Unknown(ReasonCodes.TypelessKsymHostOnly) : Expected.Loads(),
            // An image's kallsyms lists vmlinux only: a module may provide a name it lacks (libbpf reads /proc/kallsyms, modules
            // included), so only the running kernel's table, or a config without CONFIG_MODULES, proves the absence.
            "ksym_typeless_strong_missing" => kernel.Kallsyms is null ? Expected.Unknown(ReasonCodes.TypelessKsymHostOnly)
                : kernel.Kallsyms.IncludesModules || kernel.Config is { } k && !k.ContainsKey("CONFIG_MODULES")
                    ? Expected.Fails(ReasonCodes.TypelessKsymMissing) : Expected.Unknown(ReasonCodes.TypelessKsymModuleUnknown),
            "ksym_typeless_weak_missing" => Expected.Loads(),
            // struct_ops (libbpf init_kern): tcp_congestion_ops is a struct_ops type of every kernel here (5.6+); a program
            // no map references has no attach target; a non-zero member the kernel's struct lacks fails the object.
            "struct_ops_tcp_cc" => !HasStructOps(kernel, "tcp_congestion_ops") ? Expected.Fails(ReasonCodes.StructOpsTypeMissing)
                : program == "compat_unused" ? Expected.Fails(ReasonCodes.StructOpsUnreferenced) : Expected.Loads(),
            "struct_ops_member_missing" => Expected.Fails(HasStructOps(kernel, "tcp_congestion_ops")
                ? ReasonCodes.StructOpsMemberMismatch : ReasonCodes.StructOpsTypeMissing),
            // nf_conntrack_find_get: a function of module nf_conntrack on Debian (present when that module's BTF is given),
            // built into vmlinux on 6.18. An image's kallsyms lacking it proves nothing while a module may provide it.
            "ksym_typeless_module" => kernel.Kallsyms is null ? Expected.Unknown(ReasonCodes.TypelessKsymHostOnly)
                : kernel.Kallsyms.Contains("nf_conntrack_find_get") || kernel.Modules.Any(m => m.Spec.FindFunc("nf_conntrack_find_get") is not null)
                    ? Expected.Loads()
                    : kernel.Kallsyms.IncludesModules || kernel.Config is { } km && !km.ContainsKey("CONFIG_MODULES")
                        ? Expected.Fails(ReasonCodes.TypelessKsymMissing) : Expected.Unknown(ReasonCodes.TypelessKsymModuleUnknown),
            _ => throw new InvalidOperationException($"no expectation written for fixture '{fixture}' (program '{program}'): add it to FixtureExpectations"),
        };
    }

    /// <summary>
    /// Debian 11's 5.10: no kfunc calls at all (the verifier's kfunc machinery came in 5.13), no BPF_PROG_TYPE_SYSCALL
    /// (5.14), no per-cpu variables in BTF; the fixtures' weak kfuncs are all missing there.
    /// </summary>
    private static Expected? For510(string fixture, string program) => fixture switch
    {
        "kfunc_strong_present" or "kfunc_flavour" or "kfunc_strong_missing" or "multi_prog_strong_missing" or "kfunc_proto_mismatch_strong"
            or "non_gpl_dead_kfunc" or "kfunc_prog_type" or "kfunc_module_ct" or "kfunc_task_from_pid" => Expected.Fails(ReasonCodes.KfuncsUnsupported),
        // bpf_get_func_ip (id 173) came in 5.15: 5.10's enum bpf_func_id lacks it, whatever the program type.
        "helper_prog_type" when program == "func_ip_socket" => Expected.Fails(ReasonCodes.HelperMissing),
        "iter_num_strong" => new Expected(Verdict.Fails, [ReasonCodes.KfuncsUnsupported, ReasonCodes.ProgramTypeUnsupported], false),
        "ksym_typed_present" or "ksym_typed_strong_missing" => new Expected(Verdict.Fails, [ReasonCodes.KsymMissing, ReasonCodes.ProgramTypeUnsupported], false),
        "kconfig_externs" or "ksym_typed_weak_missing" => Expected.Fails(ReasonCodes.ProgramTypeUnsupported),
        "iter_num_weak" => Expected.Fails(ReasonCodes.ProgramTypeUnsupported) with { Disabled = true },
        "sleepable_kfunc" => program == "sleepable_caller" ? Expected.Fails(ReasonCodes.ProgramTypeUnsupported) with { Disabled = true } : Expected.Loads(disabled: true),
        // bpf_key_put is missing on 5.10 (weak: a poisoned call), and dead behind the .rodata gate.
        "kfunc_weak_present" => Expected.Loads(disabled: true) with { Notes = [ReasonCodes.RodataAsShipped] },
        // No bpf_timer helpers (5.15) on 5.10: timer_cb_caller reaches bpf_timer_init; the dead set-up does not. No syscall
        // program type (5.14) either.
        "async_cb_sleepable" => program == "timer_cb_sleepable_prog" ? new Expected(Verdict.Fails, [ReasonCodes.HelperMissing, ReasonCodes.ProgramTypeUnsupported], true)
            : program == "timer_cb_caller" ? Expected.Fails(ReasonCodes.HelperMissing) with { Disabled = true }
            : program == "wq_cb_caller" ? Expected.Loads(disabled: true) : Expected.Loads(disabled: true) with { Notes = [ReasonCodes.RodataAsShipped] },
        "ksym_exists_present" => Expected.Loads(disabled: true),
        _ => null,
    };

    private static Expected AsyncCallback(string program, KernelBtfSet kernel)
    {
        var sleepableKfunc = kernel.Vmlinux.FindFunc("bpf_copy_from_user_str") is not null;
        var release = KernelFeatures.ParseRelease(kernel.Release);
        return program switch
        {
            "wq_cb_caller" when kernel.Vmlinux.FindFunc("bpf_wq_init") is null => Expected.Loads(disabled: true),
            "wq_cb_caller" when release == new Version(6, 18) => Expected.Fails(ReasonCodes.SleepableCallbackRefused) with { Disabled = true },
            // 6.10 – 7.1 name the set-up bpf_wq_set_callback_impl (bpf_wq_set_callback is then missing: disabled), 7.2 the
            // other way round (the old name's prototype no longer matches: disabled too).
            "wq_cb_caller" => Expected.Loads(disabled: true),
            "timer_cb_caller" => sleepableKfunc ? Expected.Fails(ReasonCodes.KfuncNeedsSleepable) : Expected.Loads(disabled: true),
            // A timer callback armed by a sleepable (syscall) program: sleepable up to 6.12 (its source), non-sleepable once
            // commit 469d638d1520 is in (6.19 – its series renamed bpf_insn_aux_data.storage_get_func_atomic to
            // non_sleepable – and the 6.18.2 stable backport); 6.13 – 6.17 undecided.
            "timer_cb_sleepable_prog" when !sleepableKfunc => Expected.Loads(disabled: true),
            "timer_cb_sleepable_prog" => TimerCbNonSleepable(kernel) switch
            {
                true => Expected.Fails(ReasonCodes.KfuncNeedsSleepable),
                false => Expected.Loads(),
                null => Expected.Unknown(ReasonCodes.SleepableCallbackUnknown),
            },
            // The set-up behind `arm_timer` (frozen .rodata 0): the callback is never verified; the gate decides, so the note.
            _ => sleepableKfunc ? Expected.Loads() with { Notes = [ReasonCodes.RodataAsShipped] } : Expected.Loads(disabled: true),
        };
    }

    private static bool? TimerCbNonSleepable(KernelBtfSet kernel)
    {
        if (kernel.Vmlinux.FindFirstOfKind("bpf_insn_aux_data", CompatService.Engine.Btf.BtfKind.Struct) is { } id
            && ((CompatService.Engine.Btf.BtfComposite)kernel.Vmlinux.GetType(id)).Members.Any(m => m.Name == "non_sleepable"))
            return true;
        var parts = (kernel.Release ?? "").Split('-')[0].Split('.');
        if (parts.Length < 2) return null;
        var v = new Version(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        if (v <= new Version(6, 12)) return false;
        if (v == new Version(6, 18) && parts.Length > 2) return int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) >= 2;
        return v >= new Version(6, 19) ? true : null;
    }

    private static bool HasSavedState(KernelBtfSet kernel) =>
        kernel.Vmlinux.FindFirstOfKind("task_struct", CompatService.Engine.Btf.BtfKind.Struct) is { } id
        && ((CompatService.Engine.Btf.BtfComposite)kernel.Vmlinux.GetType(id)).Members.Any(m => m.Name == "saved_state");

    private static bool HasEnumerator(KernelBtfSet kernel, string type, string name) =>
        kernel.Vmlinux.FindFirstOfKind(type, CompatService.Engine.Btf.BtfKind.Enum) is { } id
        && ((CompatService.Engine.Btf.BtfEnum)kernel.Vmlinux.GetType(id)).Values.Any(v => v.Name == name);

    private static bool HasStructOps(KernelBtfSet kernel, string type) =>
        kernel.Vmlinux.FindFirstOfKind("bpf_struct_ops_" + type, CompatService.Engine.Btf.BtfKind.Struct) is not null;

    private static bool HasConntrack(KernelBtfSet kernel) =>
        kernel.Vmlinux.FindFunc("bpf_xdp_ct_lookup") is not null || kernel.Modules.Any(m => m.Name == "nf_conntrack");
}
