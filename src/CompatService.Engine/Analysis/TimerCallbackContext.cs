using System.Globalization;
using System.Text.RegularExpressions;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Engine.Analysis;

/// <summary>
/// Whether a kernel's verifier checks a <c>bpf_timer</c> callback armed by a SLEEPABLE program as sleepable. Upstream
/// commit 469d638d1520 ("bpf: Fix sleepable context for async callbacks", bpf-next Oct 2025, mainline 6.19; stable
/// 6.18.2, "[PATCH 6.18 019/614]") made <c>in_sleepable()</c> answer <c>env-&gt;cur_state-&gt;in_sleepable</c> alone
/// (before: <c>env-&gt;prog-&gt;sleepable || ...</c>), so from then on a timer callback is non-sleepable even in a
/// sleepable program. The same series (f233d4855918) renamed <c>bpf_insn_aux_data.storage_get_func_atomic</c> to
/// <c>non_sleepable</c> — a BTF-visible marker of the new behaviour (7.2's BTF has it; the 6.18 stable backport did not
/// take the rename). The 6.12.118 source still has the old <c>in_sleepable</c>; 6.13 – 6.17 have no source or
/// observation here (stable backports unchecked): undecided.
/// </summary>
public static class TimerCallbackContext
{
    private static readonly Regex Release = new(@"^(\d+)\.(\d+)(?:\.(\d+))?", RegexOptions.CultureInvariant);

    /// <summary>True: the timer callback is non-sleepable (the fix). False: sleepable, like the program. Null: undecided.</summary>
    public static bool? NonSleepableInSleepableProgram(KernelBtfSet kernel, out string basis)
    {
        if (kernel.Vmlinux.FindFirstOfKind("bpf_insn_aux_data", BtfKind.Struct) is { } id
            && kernel.Vmlinux.GetType(id) is BtfComposite aux && aux.Members.Any(m => m.Name == "non_sleepable"))
        {
            basis = "its BTF has bpf_insn_aux_data.non_sleepable (the 6.19 series that made timer callbacks non-sleepable)";
            return true;
        }
        var m = kernel.Release is null ? null : Release.Match(kernel.Release);
        if (m is null || !m.Success)
        {
            basis = "no kernel release and no bpf_insn_aux_data.non_sleepable in its BTF";
            return null;
        }
        var v = new Version(Int(m.Groups[1]), Int(m.Groups[2]));
        int? patch = m.Groups[3].Success ? Int(m.Groups[3]) : null;
        basis = $"release {kernel.Release}";
        if (v >= new Version(6, 19)) return true;
        if (v == new Version(6, 18))
            return patch switch { >= 2 => true, { } => false, null => null }; // the fix is in 6.18.2 (stable)
        if (v <= new Version(6, 12)) return false;
        return null;
    }

    private static int Int(Group g) => int.Parse(g.Value, CultureInfo.InvariantCulture);
}
