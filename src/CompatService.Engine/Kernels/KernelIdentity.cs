using CompatService.Engine.Btf;
using CompatService.Engine.KernelFacts;

namespace CompatService.Engine.Kernels;

/// <summary>
/// A version bound proven by a kernel's BPF surface: the kernel has every helper of upstream <see cref="AtLeast"/> and
/// lacks a helper of upstream <see cref="Below"/>. It is a bound on what the kernel can do, not its release: a distro
/// may backport helpers, so it is shown as a bound ("BPF helpers of ≥ 6.1, &lt; 6.12"), never as a release.
/// Either end is null when the embedded kernel-facts tables cannot say (older than the oldest, newer than the newest).
/// </summary>
public sealed record VersionBound(Version? AtLeast, Version? Below)
{
    /// <summary>"≥6.1 &lt;6.12", "≥7.3", "&lt;5.10": the stored and shown form.</summary>
    public override string ToString() =>
        string.Join(' ', new[] { AtLeast is null ? null : $"≥{AtLeast}", Below is null ? null : $"<{Below}" }.Where(s => s is not null));

    /// <summary>Whether a kernel inside this bound can be at or above <paramref name="v"/> (false only when proven below).</summary>
    public bool MayBeAtLeast(Version v) => Below is null || Below > v;

    /// <summary>Whether a kernel inside this bound can be at or below <paramref name="v"/> (false only when proven above).</summary>
    public bool MayBeAtMost(Version v) => AtLeast is null || AtLeast <= v;

    /// <summary>Parses <see cref="ToString"/>'s form back; null for anything else.</summary>
    public static VersionBound? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        Version? lo = null, hi = null;
        foreach (var part in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith('≥') && Version.TryParse(part[1..], out var a)) lo = a;
            else if (part.StartsWith('<') && Version.TryParse(part[1..], out var b)) hi = b;
            else return null;
        }
        return lo is null && hi is null ? null : new VersionBound(lo, hi);
    }
}

/// <summary>
/// What a kernel's own BTF proves about its identity when nothing names it (a raw BTF upload has no release, arch or
/// distro): the architecture from the shape of <c>struct pt_regs</c> (every architecture spells its registers
/// differently) plus the BTF's byte order and <c>long</c>'s size, and a version bound from <c>enum bpf_func_id</c>
/// compared with the helper lists of the embedded kernel-facts tables (helper ids are append-only upstream).
/// </summary>
public static class KernelIdentity
{
    /// <summary>Debian's architecture name, or null when the BTF does not show one.</summary>
    public static string? InferArch(BtfSpec vmlinux)
    {
        var members = PtRegsMembers(vmlinux);
        if (members.Count == 0) return null;
        var big = vmlinux.Endian.IsBig;
        var is64 = LongSize(vmlinux) is 8;
        bool Has(string m) => members.Contains(m);
        if (Has("r15") && Has("orig_ax")) return "amd64";
        if (Has("bx") && Has("orig_ax")) return is64 ? "amd64" : "i386";
        if (Has("orig_x0") || Has("pstate")) return "arm64";
        if (Has("uregs")) return "armhf";
        if (Has("psw") && Has("gprs")) return "s390x";
        if (Has("epc") && Has("badaddr")) return "riscv64";
        if (Has("csr_era") || Has("orig_a0")) return "loong64";
        if (Has("cp0_epc")) return is64 ? (big ? "mips64" : "mips64el") : (big ? "mips" : "mipsel");
        if (Has("nip") && Has("gpr")) return is64 ? (big ? "ppc64" : "ppc64el") : "powerpc";
        return null;
    }

    /// <summary>
    /// The bound the kernel's BPF surface proves, against the embedded kernel-facts tables (oldest first):
    /// <list type="bullet">
    /// <item>lower: the kernel has a helper that table <c>t</c> lacks and a later table lists → it is newer than <c>t</c>
    /// (next minor). Helpers no table lists prove nothing. Kfuncs are not used: stable updates backport them and the
    /// generated sets miss some (6.12.117 has bpf_get_task_exe_file, which the 6.12 table lacks).</item>
    /// <item>upper: the kernel's <c>enum bpf_func_id</c> lacks a helper of table <c>u</c> → it is older than <c>u</c>
    /// (helper ids are append-only and the enum does not depend on the config; a missing kfunc proves nothing, kfuncs
    /// hang on config options and modules).</item>
    /// </list>
    /// Null when the BTF has no <c>enum bpf_func_id</c> or the engine has no tables.
    /// </summary>
    public static VersionBound? Bound(KernelBtfSet kernel) => Bound(kernel.Enums, KernelFactsCatalog.Tables);

    public static VersionBound? Bound(KernelEnums enums, IReadOnlyList<KernelFactsTable> tables)
    {
        if (enums.Helpers is null || tables.Count == 0) return null;
        var ordered = tables.OrderBy(t => t.ParsedVersion).ToArray();
        var helpers = enums.Helpers.Select(h => h.Name).ToHashSet(StringComparer.Ordinal);
        var tableHelpers = ordered.Select(t => t.Helpers.Where(h => h != "unspec").Select(KernelEnums.HelperEnumName).ToHashSet(StringComparer.Ordinal)).ToArray();

        Version? below = null;
        for (var i = 0; i < ordered.Length && below is null; i++)
            if (!tableHelpers[i].IsSubsetOf(helpers)) below = ordered[i].ParsedVersion;

        Version? atLeast = null;
        for (var i = ordered.Length - 2; i >= 0 && atLeast is null; i--)
        {
            var t = i;
            if (helpers.Any(n => !tableHelpers[t].Contains(n) && tableHelpers.Skip(t + 1).Any(l => l.Contains(n))))
                atLeast = new Version(ordered[i].ParsedVersion.Major, ordered[i].ParsedVersion.Minor + 1);
        }
        if (atLeast is not null && below is not null && atLeast >= below) return null; // contradictory (a backport): say nothing
        return atLeast is null && below is null ? null : new VersionBound(atLeast, below);
    }

    private static HashSet<string> PtRegsMembers(BtfSpec spec)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in spec.FindByName("pt_regs"))
            if (spec.GetType(id) is BtfComposite c) Collect(spec, c, names, depth: 0);
        foreach (var id in spec.FindByName("user_pt_regs"))
            if (spec.GetType(id) is BtfComposite c) Collect(spec, c, names, depth: 0);
        return names;
    }

    /// <summary>Member names, descending into anonymous structs and unions (arm64 and powerpc nest their registers).</summary>
    private static void Collect(BtfSpec spec, BtfComposite c, HashSet<string> names, int depth)
    {
        foreach (var m in c.Members)
        {
            if (m.Name.Length > 0) { names.Add(m.Name); continue; }
            if (depth < 4 && spec.Contains(m.Type) && spec.GetType(m.Type) is BtfComposite inner && inner.Name.Length == 0)
                Collect(spec, inner, names, depth + 1);
        }
    }

    private static uint? LongSize(BtfSpec spec)
    {
        foreach (var id in spec.FindByName("long int"))
            if (spec.GetType(id) is BtfInt i) return i.Size;
        foreach (var id in spec.FindByName("long unsigned int"))
            if (spec.GetType(id) is BtfInt i) return i.Size;
        return null;
    }
}
