using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis;

/// <summary>What each program of an object needs, independent of any kernel (`compat inspect`).</summary>
public static class ObjectInspector
{
    /// <summary>The summary; each program's instructions and references are charged to <paramref name="budget"/> when given.</summary>
    public static ObjectSummary Inspect(BpfObject obj, Binary.AnalysisBudget? budget = null) => new(
        obj.License,
        obj.IsGplCompatible,
        obj.Btf is not null,
        obj.Programs.Select(p =>
        {
            if (budget is not null && !budget.TryCharge(p.Instructions.Count + (long)p.References.Count))
                throw budget.Exceeded($"object: inspecting program '{p.Name}'");
            return Summarize(p) with { Requirements = RequirementExtractor.Of(p) };
        }).ToArray(),
        obj.Maps.Select(m => m.Name).ToArray(),
        obj.OpenErrors.Select(e => e.Message).ToArray()) { MapTypes = RequirementExtractor.ObjectMaps(obj) };

    public static ProgramSummary Summarize(BpfProgram p)
    {
        var externRefs = p.References.Where(r => r.Kind == InsnReferenceKind.Extern).ToArray();
        if (externRefs.Length == 0) // the common case (and 65 529 tiny programs): no grouping machinery per program
            return new ProgramSummary(p.Name, p.SectionName, p.Type, p.SectionInfo.AttachType, p.SectionInfo.AttachTarget,
                p.SectionInfo.AutoLoad, p.Instructions.Count, [], [], [], Helpers(p));
        var kfuncs = externRefs.Where(r => r.Extern?.Kind == ExternKind.Kfunc)
            .GroupBy(r => r.Extern!)
            .OrderBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new KfuncUse(g.Key.Name, g.Key.IsWeak,
                g.Where(r => p.Instructions[r.Insn].IsCall).Select(r => r.Insn).ToArray(),
                g.Where(r => p.Instructions[r.Insn].IsLdImm64).Select(r => r.Insn).ToArray()))
            .ToArray();
        var ksyms = externRefs.Where(r => r.Extern?.Kind is ExternKind.TypedKsym or ExternKind.TypelessKsym)
            .GroupBy(r => r.Extern!)
            .OrderBy(g => g.Key.Name, StringComparer.Ordinal)
            .Select(g => new KsymUse(g.Key.Name, g.Key.IsWeak, g.Key.Kind == ExternKind.TypedKsym, g.Select(r => r.Insn).ToArray()))
            .ToArray();
        var kconfig = externRefs.Where(r => r.Extern?.Kind == ExternKind.Kconfig).Select(r => r.Extern!.Name).Distinct().Order(StringComparer.Ordinal).ToArray();
        return new ProgramSummary(p.Name, p.SectionName, p.Type, p.SectionInfo.AttachType, p.SectionInfo.AttachTarget,
            p.SectionInfo.AutoLoad, p.Instructions.Count, kfuncs, ksyms, kconfig, Helpers(p));
    }

    private static string[] Helpers(BpfProgram p)
    {
        SortedSet<int>? ids = null;
        foreach (var i in p.Instructions)
            if (i.IsHelperCall) (ids ??= new()).Add(i.Imm);
        return ids is null ? [] : ids.Select(HelperName).ToArray();
    }

    internal static string HelperName(int id) => Asm.HelperNames.Name(id) ?? $"helper#{id}";
}
