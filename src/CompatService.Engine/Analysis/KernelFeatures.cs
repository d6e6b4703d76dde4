using System.Globalization;
using System.Text.RegularExpressions;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Analysis;

/// <summary>
/// What a kernel's verifier accepts that matters to kfunc linking (kfunc-semantics §6–7).
/// Kfunc calls (5.13) and module kfuncs (5.16) are told from the kernel's BTF: the verifier's own types
/// <c>struct bpf_kfunc_desc</c> / <c>bpf_jit_supports_kfunc_call</c> and <c>struct bpf_kfunc_btf_tab</c>.
/// ld_imm64 of a FUNC (bpf_ksym_exists on a present kfunc) needs ≥ 6.4: from the release string when it says one,
/// else from BTF (the open-coded iterator kfunc bpf_iter_num_new came with 6.4).
/// </summary>
public sealed record KernelFeatures(Version? Version, bool LdImm64OfFunc, bool KfuncCalls, bool ModuleKfuncs, string Basis)
{
    private static readonly Regex ReleasePattern = new(@"^(\d+)\.(\d+)", RegexOptions.CultureInvariant);

    /// <summary>Why <see cref="KfuncCalls"/> is what it is.</summary>
    public string KfuncBasis { get; init; } = "";
    /// <summary>Why <see cref="ModuleKfuncs"/> is what it is.</summary>
    public string ModuleKfuncBasis { get; init; } = "";

    public static KernelFeatures Of(KernelBtfSet kernel)
    {
        var btf = kernel.Vmlinux;
        var kfuncs = btf.FindFirstOfKind("bpf_kfunc_desc", BtfKind.Struct) is not null || btf.FindFunc("bpf_jit_supports_kfunc_call") is not null;
        var modules = btf.FindFirstOfKind("bpf_kfunc_btf_tab", BtfKind.Struct) is not null;
        var kfuncBasis = kfuncs ? "its BTF has the verifier's kfunc types (≥ 5.13)" : "its BTF has no struct bpf_kfunc_desc nor bpf_jit_supports_kfunc_call: the verifier predates kfunc calls (< 5.13)";
        var moduleBasis = modules ? "its BTF has struct bpf_kfunc_btf_tab (≥ 5.16)" : "its BTF has no struct bpf_kfunc_btf_tab";
        var version = ParseRelease(kernel.Release);
        if (version is not null)
            return new KernelFeatures(version, version >= new Version(6, 4), kfuncs, modules, $"release {kernel.Release}") { KfuncBasis = kfuncBasis, ModuleKfuncBasis = moduleBasis };
        var hasIterNum = btf.FindFunc("bpf_iter_num_new") is not null;
        return new KernelFeatures(null, hasIterNum, kfuncs, modules, hasIterNum ? "BTF has bpf_iter_num_new (≥ 6.4)" : "BTF lacks bpf_iter_num_new (< 6.4)")
            { KfuncBasis = kfuncBasis, ModuleKfuncBasis = moduleBasis };
    }

    public static Version? ParseRelease(string? release)
    {
        if (release is null) return null;
        var m = ReleasePattern.Match(release);
        if (!m.Success) return null;
        return new Version(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Whether the kernel says <paramref name="id"/> is a kfunc: the engine's one answer, <see cref="KfuncInventory.IsKfunc"/>.</summary>
    public static bool? IsKfunc(KernelBtfSet kernel, BtfSpec spec, BtfTypeId id) => KfuncInventory.IsKfunc(kernel, spec, id);
}
