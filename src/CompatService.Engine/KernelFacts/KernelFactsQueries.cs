using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.KernelFacts;

/// <summary>What a table says about one call: allowed, refused, or allowed only under conditions that cannot be told here.</summary>
public enum FactAnswer { Allowed, Refused, Conditional, NotInTable }

public sealed record FactVerdict(FactAnswer Answer, string Detail);

/// <summary>Questions answered from a <see cref="KernelFactsTable"/>: may this program type call this kfunc / helper, and a kfunc's flags.</summary>
public static class KernelFactsQueries
{
    /// <summary>kfunc → KF_* flags, merged (OR) over every set that lists it, for kernels without the image's .BTF_ids.</summary>
    public static IReadOnlyDictionary<string, uint> KfuncFlags(KernelFactsTable table)
    {
        var flags = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var set in table.KfuncSets)
            foreach (var k in set.Kfuncs)
                flags[k.Name] = flags.GetValueOrDefault(k.Name) | ParseFlags(k.Flags);
        return flags;
    }

    /// <summary>"KF_ACQUIRE|KF_RET_NULL" → bits (KfFlags); unknown names are ignored.</summary>
    public static uint ParseFlags(string flags)
    {
        uint bits = 0;
        foreach (var name in flags.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            for (var bit = 0; bit < 32; bit++)
                if (KfFlagNames.Of(1u << bit) is [var n] && n == name) bits |= 1u << bit;
        return bits;
    }

    /// <summary>
    /// kernel/bpf/btf.c <c>btf_kfunc_id_set_contains</c>: the kfunc must be in a set registered for the COMMON hook or for
    /// the program type's hook; a set with a <c>.filter</c> may still refuse (conditional).
    /// </summary>
    public static FactVerdict Kfunc(KernelFactsTable table, string kfunc, ProgramSectionInfo program, IReadOnlyDictionary<string, string>? config)
    {
        var sets = table.KfuncSets.Where(s => s.Kfuncs.Any(k => k.Name == kfunc)).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        if (sets.Count == 0) return new FactVerdict(FactAnswer.NotInTable, $"'{kfunc}' is in no kfunc set of the {KernelFactsChoice.Describe(table)}");
        var hook = table.ProgramTypeHooks.GetValueOrDefault(program.ProgramType, table.DefaultHook);
        var regs = table.Registrations.Where(r => sets.Contains(r.SetId)).ToArray();
        var conditional = new List<string>();
        foreach (var r in regs)
        {
            var regHook = table.ProgramTypeHooks.GetValueOrDefault(r.ProgramType, table.DefaultHook);
            if (regHook == "MAX" || (regHook != "COMMON" && regHook != hook)) continue;
            var cond = r.Condition is null ? true : FactConditions.Eval(r.Condition, program, config);
            if (cond == false) continue;
            if (r.Filter is null && cond == true) return new FactVerdict(FactAnswer.Allowed, $"registered for {r.ProgramType}");
            conditional.Add(r.Filter is not null ? $"its set is registered for {r.ProgramType} with filter {r.Filter}()" : $"registered for {r.ProgramType} only when {r.Condition}");
        }
        if (conditional.Count > 0) return new FactVerdict(FactAnswer.Conditional, string.Join("; ", conditional.Distinct()));
        var to = regs.Select(r => r.ProgramType).Distinct().Order(StringComparer.Ordinal).ToArray();
        return new FactVerdict(FactAnswer.Refused, to.Length == 0
            ? $"its kfunc set is registered for no program type"
            : $"its kfunc set is registered for {string.Join(", ", to)} (hook {hook} of {program.ProgramType} is not among them)");
    }

    /// <summary>The program type's <c>get_func_proto</c>: does it return a proto for helper <paramref name="helperId"/>?</summary>
    public static FactVerdict Helper(KernelFactsTable table, int helperId, ProgramSectionInfo program, IReadOnlyDictionary<string, string>? config)
    {
        if (helperId <= 0 || helperId >= table.Helpers.Count)
            return new FactVerdict(FactAnswer.NotInTable, $"helper id {helperId} is newer than the {KernelFactsChoice.Describe(table)}");
        var name = table.Helpers[helperId];
        var type = table.ProgramTypes.FirstOrDefault(p => p.Name == program.ProgramType);
        if (type is null) return new FactVerdict(FactAnswer.NotInTable, $"program type {program.ProgramType} has no get_func_proto of its own in the table (struct_ops, ext: per target)");
        var fact = type.Helpers.FirstOrDefault(h => h.Name == name);
        if (fact is null) return new FactVerdict(FactAnswer.Refused, $"{type.FuncProto}() returns no proto for bpf_{name}");
        if (fact.Unconditional) return new FactVerdict(FactAnswer.Allowed, "");
        var undecided = new List<string>();
        foreach (var alt in fact.Alternatives)
        {
            var v = FactConditions.All(alt, program, config);
            if (v == true) return new FactVerdict(FactAnswer.Allowed, string.Join(" && ", alt));
            if (v is null) undecided.Add(string.Join(" && ", alt));
        }
        return undecided.Count > 0
            ? new FactVerdict(FactAnswer.Conditional, $"{type.FuncProto}() returns bpf_{name} only when {string.Join(" or ", undecided)}")
            : new FactVerdict(FactAnswer.Refused, $"{type.FuncProto}() returns bpf_{name} only when {string.Join(" or ", fact.Alternatives.Select(a => string.Join(" && ", a)))}, which does not hold for this program");
    }
}
