using System.Globalization;
using System.Text.RegularExpressions;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Analysis;

/// <summary>
/// What a kernel's verifier accepts that matters to kfunc linking, told from its release string when it says one,
/// else from BTF hints (kfunc-semantics §6–7): e.g. ld_imm64 of a FUNC (bpf_ksym_exists on a present kfunc) needs ≥ 6.4,
/// whose BTF has the open-coded iterator kfunc bpf_iter_num_new.
/// </summary>
public sealed record KernelFeatures(Version? Version, bool LdImm64OfFunc, bool KfuncCalls, bool ModuleKfuncs, string Basis)
{
    private static readonly Regex ReleasePattern = new(@"^(\d+)\.(\d+)", RegexOptions.CultureInvariant);

    public static KernelFeatures Of(KernelBtfSet kernel)
    {
        var version = ParseRelease(kernel.Release);
        if (version is not null)
            return new KernelFeatures(version, version >= new Version(6, 4), version >= new Version(5, 13), version >= new Version(5, 16), $"release {kernel.Release}");
        var hasIterNum = kernel.Vmlinux.FindFunc("bpf_iter_num_new") is not null;
        return new KernelFeatures(null, hasIterNum, true, true, hasIterNum ? "BTF has bpf_iter_num_new (≥ 6.4)" : "BTF lacks bpf_iter_num_new (< 6.4)");
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
