using CompatService.Engine.Asm;
using CompatService.Engine.KernelFacts;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis;

/// <summary>
/// Rules decided from the generated kernel-facts tables (facts no BTF carries), for the table of the nearest upstream
/// version at or below the kernel's: which program types may call a kfunc (<c>register_btf_kfunc_id_set</c>, kernel/bpf/btf.c
/// <c>btf_kfunc_id_set_contains</c>), which helpers a program type's <c>get_func_proto</c> returns (verifier
/// <c>check_helper_call</c>: "unknown func bpf_x#N"), and the KF_* flags of kernels that came without their image's .BTF_ids.
/// A kernel newer than every table, or of unknown release, gets unknown from these rules (never a silent "loads").
/// </summary>
public static class KernelFactsRules
{
    /// <summary>The table choice for a kernel (by its release).</summary>
    public static KernelFactsChoice Choose(KernelBtfSet kernel) => KernelFactsCatalog.Choose(KernelFeatures.ParseRelease(kernel.Release));

    /// <summary>KF_* flags: the image's own where present, else the deciding table's (with the table's name), else null.</summary>
    public static (IReadOnlyDictionary<string, uint>? Flags, string? From) Flags(KernelBtfSet kernel, KernelFactsChoice choice) =>
        kernel.KfuncFlags is { } own ? (own, null)
        : choice.Deciding is { } t ? (FlagsCache.GetValue(t, KernelFactsQueries.KfuncFlags), KernelFactsChoice.Describe(t)) : (null, null);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<KernelFactsTable, IReadOnlyDictionary<string, uint>> FlagsCache = new();

    /// <summary>A reachable kfunc call: is the kfunc registered for the program's type?</summary>
    public static Reason? KfuncAllowed(BpfProgram program, Fixup call, KernelBtfSet kernel, string kernelName, KernelFactsChoice choice)
    {
        var where = $"program '{program.Name}': insn {call.Insn}: kfunc '{call.Symbol}'";
        if (choice.Deciding is null)
            return new Reason(ReasonCodes.KernelFactsUnavailable, call.Symbol, call.Insn,
                $"{where}: which program types may call it on {kernelName} cannot be told: {choice.WhyUndecided}");
        var name = Btf.BtfWalk.EssentialName(call.Symbol);
        var (v, basis) = Bracket(choice, t => KernelFactsQueries.Kfunc(t, name, program.SectionInfo, kernel.Config));
        return v.Answer switch
        {
            FactAnswer.Refused => new Reason(ReasonCodes.KfuncNotAllowed, call.Symbol, call.Insn,
                $"{where}: {v.Detail} on {kernelName} ({basis}): calling kernel function {call.Symbol} is not allowed"),
            FactAnswer.Conditional => new Reason(ReasonCodes.KernelFactsConditional, call.Symbol, call.Insn,
                $"{where}: allowed for {program.Type} programs on {kernelName} only conditionally: {v.Detail} ({basis})"),
            FactAnswer.NotInTable => new Reason(ReasonCodes.KernelFactsUnavailable, call.Symbol, call.Insn,
                $"{where}: {v.Detail}, so whether {program.Type} programs may call it on {kernelName} cannot be told"),
            _ => null,
        };
    }

    /// <summary>
    /// The answer of the deciding table; for a kernel between two tables, also the table above: where they disagree the
    /// answer is conditional (the change happened somewhere between the two versions). A kfunc / helper the lower table
    /// does not know yet takes the upper table's refusal (permissions only grow), else stays unknown. Conversely a kfunc the
    /// lower table allows and the upper one no longer lists at all (renamed or dropped later, e.g. 7.x replaced
    /// <c>bpf_wq_set_callback_impl</c> by <c>bpf_wq_set_callback</c>) keeps the lower table's permission: the upper table
    /// says nothing about it, and whether the kernel in between still has it as a kfunc is the identity rule's question.
    /// </summary>
    private static (FactVerdict Verdict, string Basis) Bracket(KernelFactsChoice choice, Func<KernelFactsTable, FactVerdict> ask)
    {
        var lower = choice.Deciding!;
        var v = ask(lower);
        var basis = KernelFactsChoice.Describe(lower);
        if (choice.Above is not { } upper) return (v, basis);
        var u = ask(upper);
        var both = $"{basis} and {KernelFactsChoice.Describe(upper)}";
        if (v.Answer == u.Answer) return (v, both);
        if (v.Answer == FactAnswer.NotInTable && u.Answer == FactAnswer.Refused) return (u with { Detail = u.Detail + $" (even in the newer table; {v.Detail})" }, both);
        if (v.Answer == FactAnswer.Allowed && u.Answer == FactAnswer.NotInTable) return (v, $"{basis}; not in {KernelFactsChoice.Describe(upper)}");
        return (new FactVerdict(FactAnswer.Conditional,
            $"the kernel lies between two tables that disagree: linux {lower.Version}: {Say(v)}; linux {upper.Version}: {Say(u)}"), both);
    }

    private static string Say(FactVerdict v) => v.Answer switch
    {
        FactAnswer.Allowed => "allowed" + (v.Detail.Length > 0 ? $" ({v.Detail})" : ""),
        FactAnswer.Refused => "refused: " + v.Detail,
        FactAnswer.Conditional => "only if " + v.Detail,
        _ => v.Detail,
    };

    /// <summary>Every reachable helper call the program type may not make (or may only under conditions that cannot be told).</summary>
    public static IEnumerable<Reason> Helpers(BpfProgram program, IReadOnlyList<Rules.HelperCall> helperCalls, ReachabilityResult reach,
        IReadOnlySet<int> poisoned, KernelBtfSet kernel, string kernelName, KernelFactsChoice choice)
    {
        var seen = new HashSet<int>();
        var calls = new List<(int Insn, int Id)>();
        foreach (var call in helperCalls)
        {
            if (poisoned.Contains(call.Insn) || call.Id == CoreInsnPatcher.PoisonImm) continue;
            if (reach.IsVisited(call.Insn) && seen.Add(call.Id)) calls.Add((call.Insn, call.Id));
        }
        if (calls.Count == 0 || program.Type == "ext" || program.Type == "struct_ops") yield break;
        if (choice.Deciding is null)
        {
            yield return new Reason(ReasonCodes.KernelFactsUnavailable, null, calls[0].Insn,
                $"program '{program.Name}': which helpers {program.Type} programs may call on {kernelName} cannot be told: {choice.WhyUndecided}");
            yield break;
        }
        foreach (var (insn, id) in calls)
        {
            var (v, basis) = Bracket(choice, t => KernelFactsQueries.Helper(t, id, program.SectionInfo, kernel.Config));
            var table = choice.Deciding!;
            var name = id < table.Helpers.Count ? "bpf_" + table.Helpers[id] : HelperNames.Name(id) ?? $"helper {id}";
            var where = $"program '{program.Name}': insn {insn}: {name}";
            switch (v.Answer)
            {
                case FactAnswer.Refused:
                    yield return new Reason(ReasonCodes.HelperNotAllowed, name, insn,
                        $"{where}: {program.Type} programs may not call it on {kernelName}: {v.Detail} ({basis}): program of this type cannot use helper {name}#{id}");
                    break;
                case FactAnswer.Conditional:
                    yield return new Reason(ReasonCodes.KernelFactsConditional, name, insn, $"{where}: {v.Detail} on {kernelName} ({basis})");
                    break;
                case FactAnswer.NotInTable when !v.Detail.StartsWith("program type", StringComparison.Ordinal):
                    yield return new Reason(ReasonCodes.KernelFactsUnavailable, name, insn, $"{where}: {v.Detail}, so whether {program.Type} programs may call it on {kernelName} cannot be told");
                    break;
            }
        }
    }
}
