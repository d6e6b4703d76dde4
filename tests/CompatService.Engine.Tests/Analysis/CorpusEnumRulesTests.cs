using CompatService.Engine.Analysis;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>
/// Issue 9 over the whole corpus: on every corpus kernel, every real program needing a helper, program type or map type the
/// kernel's own enums lack fails with helper-missing / program-type-unsupported / map-type-unsupported (unless the call is
/// dead, or the object already fails for an object-wide reason), and no program gets one of those codes where the kernel
/// has the feature. The requirements are read from the object's raw instructions, sections and maps; the kernel's
/// enums from its BTF.
/// </summary>
public sealed class CorpusEnumRulesTests(ITestOutputHelper output)
{
    [CorpusFact]
    public void EnumRules_FireExactlyWhereTheKernelLacksTheFeature()
    {
        var objects = Directory.EnumerateFiles(Path.Combine(TestPaths.Corpus, "objects"), "*.o", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => (Path: f, Obj: TryOpen(f))).Where(x => x.Obj is not null).ToArray();
        var problems = new List<string>();
        var cells = 0;
        var fired = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var dir in TestData.CorpusKernelDirs())
        {
            var kernel = TestData.Kernel(TestData.CorpusKernelDir(dir)).Btf;
            var enums = kernel.Enums;
            Assert.NotNull(enums.Helpers);
            foreach (var (path, obj) in objects)
            {
                var results = CompatEngine.Check(obj!, kernel, dir);
                var missingMap = obj!.Maps.Any(m => m.Origin is MapOrigin.BtfDefined or MapOrigin.Legacy && enums.HasMapType(m.Definition.Type) == false);
                for (var i = 0; i < obj.Programs.Count; i++)
                {
                    cells++;
                    var p = obj.Programs[i];
                    var r = results[i];
                    var codes = r.Reasons.Select(x => x.Code).ToHashSet(StringComparer.Ordinal);
                    foreach (var c in codes) fired[c] = fired.GetValueOrDefault(c) + 1;
                    var where = $"{Path.GetFileName(path)} {p.Name} on {dir}";
                    var typeMissing = ProgramSections.Resolve(p.SectionName) is not null && enums.HasProgramType(p.SectionInfo.ProgramType) == false;
                    if (typeMissing != codes.Contains(ReasonCodes.ProgramTypeUnsupported)) problems.Add($"{where}: type {p.SectionInfo.ProgramType} missing={typeMissing}, codes {string.Join(",", codes)}");
                    if (missingMap != codes.Contains(ReasonCodes.MapTypeUnsupported)) problems.Add($"{where}: a map type missing={missingMap}, codes {string.Join(",", codes)}");
                    var objectWide = r.Reasons.Any(x => x.Message.Contains("object fails to load", StringComparison.Ordinal) || x.Message.Contains("cannot be loaded", StringComparison.Ordinal) || x.Code is ReasonCodes.KfuncMissing or ReasonCodes.KsymMissing or ReasonCodes.KfuncIncompatible or ReasonCodes.KsymIncompatible or ReasonCodes.KfuncsUnsupported);
                    var missingHelpers = p.Instructions.Where(x => x.IsHelperCall && x.Imm is > 0 and < 2002000000 && !Sanitized(x.Imm, enums) && enums.HasHelper(x.Imm) == false)
                        .Select(x => Asm.HelperNames.Name(x.Imm) ?? x.Imm.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToHashSet(StringComparer.Ordinal);
                    var flagged = r.Reasons.Where(x => x.Code == ReasonCodes.HelperMissing).Select(x => x.Symbol!).ToHashSet(StringComparer.Ordinal);
                    var dead = r.DisabledPaths.Select(d => d.Symbol).ToHashSet(StringComparer.Ordinal);
                    if (flagged.Except(missingHelpers).Any()) problems.Add($"{where}: helper-missing for helpers the kernel has: {string.Join(",", flagged.Except(missingHelpers))}");
                    if (!objectWide && missingHelpers.Except(flagged).Except(dead).Any())
                        problems.Add($"{where}: needs {string.Join(",", missingHelpers.Except(flagged).Except(dead))} (missing), neither flagged nor dead");
                }
            }
        }
        output.WriteLine($"{cells} (program, kernel) cells; codes fired: {string.Join(", ", fired.Where(f => f.Key is ReasonCodes.HelperMissing or ReasonCodes.ProgramTypeUnsupported or ReasonCodes.MapTypeUnsupported or ReasonCodes.KfuncsUnsupported).Select(f => $"{f.Key} {f.Value}"))}");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(40)));
        Assert.True(fired.GetValueOrDefault(ReasonCodes.ProgramTypeUnsupported) > 0 && fired.GetValueOrDefault(ReasonCodes.HelperMissing) > 0, "the corpus has programs needing what 5.10 lacks");
    }

    /// <summary>libbpf bpf_object__sanitize_prog: probe_read_{user,kernel}[_str] become probe_read[_str] where probe_read_kernel is missing.</summary>
    private static bool Sanitized(int id, KernelEnums enums) => id is >= 112 and <= 115 && enums.HasHelper(113) == false && enums.HasHelper(4) == true;

    private static BpfObject? TryOpen(string path)
    {
        try { return CompatEngine.OpenObject(File.ReadAllBytes(path)); }
        catch (Binary.BpfFormatException) { return null; }
    }
}
