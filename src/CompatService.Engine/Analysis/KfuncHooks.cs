using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Analysis;

/// <summary>
/// Which program types may call kfuncs at all on a kernel, from the kernel's own <c>enum btf_kfunc_hook</c> (in its
/// BTF). The verifier asks, for every reachable kfunc call, whether the kfunc is in a set registered for the program
/// type's hook (kernel/bpf/btf.c <c>bpf_prog_type_to_kfunc_hook</c>). Before 6.2 there is no COMMON hook and only XDP,
/// SCHED_CLS, STRUCT_OPS, TRACING (with LSM) and SYSCALL have a hook: a kfunc call from any other program type is
/// refused ("calling kernel function X is not allowed") whatever the kfunc. From 6.2 a COMMON set exists for every
/// type and more hooks follow; which kfunc is in which set is C code, not BTF, so nothing certain is said there.
/// </summary>
public sealed record KfuncHooks(IReadOnlySet<string> Hooks)
{
    private const string EnumName = "btf_kfunc_hook", Prefix = "BTF_KFUNC_HOOK_";

    /// <summary>Program type → its hook on kernels without a COMMON hook (5.18 … 6.1).</summary>
    private static readonly Dictionary<string, string> PreCommonHookOf = new(StringComparer.Ordinal)
    {
        ["xdp"] = "XDP", ["sched_cls"] = "TC", ["struct_ops"] = "STRUCT_OPS", ["tracing"] = "TRACING", ["lsm"] = "TRACING",
        ["syscall"] = "SYSCALL",
    };

    /// <summary>The hooks the kernel's BTF names (without the prefix and MAX), or null when its BTF has no such enum.</summary>
    public static KfuncHooks? Of(KernelBtfSet kernel)
    {
        if (kernel.Vmlinux.FindFirstOfKind(EnumName, BtfKind.Enum) is not { } id) return null;
        var hooks = ((BtfEnum)kernel.Vmlinux.GetType(id)).Values
            .Select(v => v.Name).Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n != Prefix + "MAX")
            .Select(n => n[Prefix.Length..]).ToHashSet(StringComparer.Ordinal);
        return new KfuncHooks(hooks);
    }

    public bool HasCommon => Hooks.Contains("COMMON");

    /// <summary>
    /// True when this kernel certainly refuses every kfunc call from <paramref name="programType"/>: no COMMON hook and
    /// no hook of its own. "ext" programs take their target's type at load time and are never judged here.
    /// </summary>
    public bool RefusesEveryKfuncFrom(string programType) =>
        !HasCommon && programType != "ext"
        && !(PreCommonHookOf.TryGetValue(programType, out var hook) && Hooks.Contains(hook));

    public override string ToString() => string.Join(", ", Hooks.Order(StringComparer.Ordinal));
}
