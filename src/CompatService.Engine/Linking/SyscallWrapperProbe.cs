using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Linking;

/// <summary>
/// libbpf's LINUX_HAS_SYSCALL_WRAPPER (<c>probe_kern_syscall_wrapper</c>): libbpf creates a kprobe on the arch's
/// syscall entry point <c>__&lt;arch&gt;_sys_bpf</c> (x64, arm64, s390x, riscv) — through the kprobe PMU or tracefs'
/// kprobe_events, both of which need CONFIG_KPROBE_EVENTS — and sets 1 when that works, 0 otherwise. Decided here from
/// the kernel's facts: its config (CONFIG_KPROBE_EVENTS, CONFIG_ARCH_HAS_SYSCALL_WRAPPER), its kallsyms and the FUNC
/// names of its BTF; null (unknown) when they do not settle it.
/// </summary>
public static class SyscallWrapperProbe
{
    public const string Name = "LINUX_HAS_SYSCALL_WRAPPER";

    /// <summary>The entry points libbpf probes, one per architecture it knows a prefix for.</summary>
    public static readonly string[] EntryPoints = ["__x64_sys_bpf", "__arm64_sys_bpf", "__s390x_sys_bpf", "__riscv_sys_bpf"];

    /// <summary>
    /// Every "__&lt;arch&gt;_sys_bpf" name some libbpf version probes (<c>arch_specific_syscall_pfx</c>: x64, ia32, s390x, s390,
    /// arm, arm64, mips, riscv, powerpc, powerpc64): the kernel surface carries their presence (BTF FUNC, kallsyms) so this
    /// probe decides the same on the surface as on the full kernel, whichever of them it reads.
    /// </summary>
    public static readonly string[] LibbpfEntryPoints =
    [
        "__x64_sys_bpf", "__ia32_sys_bpf", "__s390x_sys_bpf", "__s390_sys_bpf", "__arm_sys_bpf", "__arm64_sys_bpf",
        "__mips_sys_bpf", "__riscv_sys_bpf", "__powerpc_sys_bpf", "__powerpc64_sys_bpf",
    ];

    /// <summary>"y" / "n" as libbpf would set it on this kernel, or null with <paramref name="why"/> naming the missing input.</summary>
    public static string? Value(KernelBtfSet kernel, out string why)
    {
        if (kernel.Config is not { } config)
        {
            why = "the kernel config (CONFIG_KPROBE_EVENTS) is not known: libbpf probes a kprobe on the syscall entry point";
            return null;
        }
        if (!config.ContainsKey("CONFIG_KPROBE_EVENTS"))
        {
            why = "the config has no CONFIG_KPROBE_EVENTS: libbpf cannot create the kprobe it probes with";
            return "n";
        }
        var entry = EntryPoints.FirstOrDefault(e => InKallsyms(kernel, e) || kernel.Vmlinux.FindFunc(e) is not null);
        if (entry is not null)
        {
            why = $"{entry} is in the kernel's {(InKallsyms(kernel, entry) ? "kallsyms" : "BTF")} and kprobes are available";
            return "y";
        }
        var kallsyms = kernel.Kallsyms is not null || kernel.SurfaceKallsymsEntryPoints is not null;
        if (kallsyms || !config.ContainsKey("CONFIG_ARCH_HAS_SYSCALL_WRAPPER"))
        {
            why = kallsyms ? "no __<arch>_sys_bpf in the kernel's kallsyms" : "the config has no CONFIG_ARCH_HAS_SYSCALL_WRAPPER";
            return "n";
        }
        why = "no __<arch>_sys_bpf in the kernel's BTF and no kallsyms to look in";
        return null;
    }

    /// <summary>The kernel's kallsyms holds <paramref name="name"/> (on a kernel surface: the entry points it kept).</summary>
    private static bool InKallsyms(KernelBtfSet kernel, string name) =>
        kernel.Kallsyms?.Contains(name) ?? kernel.SurfaceKallsymsEntryPoints?.Contains(name) ?? false;
}
