namespace CompatService.Api.Mapping;

/// <summary>Entities → wire DTOs (Contracts).</summary>
public static class DtoMapping
{
    public static KernelDto ToDto(this KernelEntity k) => new(
        k.Id, k.Sha256, k.Release, k.Arch, k.Flavour, k.Distro, Labels.FromJson(k.LabelsJson), k.KfuncCount, k.TypeCount,
        k.FunctionCount, k.HasKfuncTags, k.HasKfuncFlags, k.Modules.OrderBy(m => m.Ordinal).Select(m => m.Name).ToList(),
        k.Source, k.CreatedAt, k.HasConfig, k.ReleaseBound);

    public static KernelKfuncDto ToDto(this KernelSymbolEntity s) => new(
        s.Name, (uint)s.BtfId, s.Module, s.Prototype, s.Tagged, (uint?)s.Flags, s.Flags is { } f and not 0 ? Engine.Kernels.KfFlagNames.Of((uint)f) : [], s.Kind);

    public static ObjectDto ToDto(this ObjectEntity o) => new(
        o.Id, o.Sha256, o.Name, Labels.FromJson(o.LabelsJson), o.Size, o.CreatedAt,
        o.Programs.OrderBy(p => p.Ordinal).Select(ToSummary).ToList(), o.License, StringList(o.OpenErrorsJson));

    public static ProgramSummary ToSummary(this ObjectProgramEntity p)
    {
        var req = p.Requirements.OrderBy(r => r.Id).ToList();
        return new ProgramSummary(
            p.Name, p.Section, p.Type, p.AttachType, p.AttachTarget, p.AutoLoad, p.Insns,
            req.Where(r => r.Kind == "kfunc").Select(r => new KfuncUse(r.Name, r.Weak, r.Insns, r.ExistenceChecks)).ToList(),
            req.Where(r => r.Kind == "ksym").Select(r => new KsymUse(r.Name, r.Weak, r.Typed, r.Insns)).ToList(),
            req.Where(r => r.Kind == "kconfig").Select(r => r.Name).ToList(),
            StringList(p.HelpersJson));
    }

    public static IReadOnlyList<string> StringList(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<string>>(json) ?? [];

    public static ObservedOutcomeDto ToDto(this ObservedOutcomeEntity o, Verdict? servicePrediction)
    {
        var predicted = ParseVerdict(o.Predicted);
        var reference = servicePrediction ?? predicted;
        var disagrees = (reference == Verdict.Loads && !o.Loaded) || (reference == Verdict.Fails && o.Loaded);
        return new ObservedOutcomeDto(o.Id, o.Host, o.KernelId, o.KernelBtfSha256, o.KernelRelease, o.ObjectSha256, o.ObjectName,
            o.Program, predicted, servicePrediction, o.Loaded, o.Errno, o.VerifierTail, o.ObservedAt, disagrees, o.Source, o.LabRunId);
    }

    public static string Wire(this Verdict v) => v switch { Verdict.Loads => "loads", Verdict.Fails => "fails", _ => "unknown" };

    public static Verdict ParseVerdict(string s) => s switch { "loads" => Verdict.Loads, "fails" => Verdict.Fails, _ => Verdict.Unknown };
}
