using System.Text.Json;
using System.Text.Json.Serialization;
using CompatService.Contracts;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;

namespace CompatService.Cli.Commands;

/// <summary>`compat kernel KERNEL [--format text|json]`: release, type / function counts, bpf_kfunc-tagged FUNCs.</summary>
public static class KernelCommand
{
    public sealed record KernelReport(
        [property: JsonPropertyName("release")] string? Release,
        [property: JsonPropertyName("btfSha256")] string BtfSha256,
        [property: JsonPropertyName("types")] int Types,
        [property: JsonPropertyName("functions")] int Functions,
        [property: JsonPropertyName("hasKfuncTags")] bool HasKfuncTags,
        [property: JsonPropertyName("kfuncs")] IReadOnlyList<string> Kfuncs,
        [property: JsonPropertyName("modules")] IReadOnlyList<string> Modules,
        [property: JsonPropertyName("moduleKfuncs")] IReadOnlyDictionary<string, IReadOnlyList<string>> ModuleKfuncs,
        [property: JsonPropertyName("kfuncSets")] IReadOnlyList<string>? KfuncSets);

    public static int Run(CliArgs args, TextWriter stdout)
    {
        var format = args.Format("text", "json");
        args.RejectUnknown();
        if (args.Positional.Count != 1) throw new CliUsageException("usage: compat kernel KERNEL [--format text|json]");
        var kernel = Inputs.ReadKernel(args.Positional[0]).Btf;
        var report = Build(kernel);
        if (format == "json")
        {
            stdout.Write(CliJson.Serialize(report) + "\n");
            return 0;
        }
        stdout.Write($"release: {report.Release ?? "(not stated by the input)"}\nbtf sha256: {report.BtfSha256}\ntypes: {report.Types}\nfunctions: {report.Functions}\n");
        stdout.Write($"bpf_kfunc tags: {(report.HasKfuncTags ? $"{report.Kfuncs.Count} tagged kfuncs" : "none (pahole < 1.27 or kernel < 6.11: which FUNCs are kfuncs is unknown from BTF alone)")}\n");
        if (report.Modules.Count > 0) stdout.Write($"modules: {string.Join(", ", report.Modules)}\n");
        foreach (var k in report.Kfuncs) stdout.Write($"  {k}\n");
        return 0;
    }

    public static KernelReport Build(KernelBtfSet kernel)
    {
        var vmlinux = kernel.Vmlinux;
        var types = (int)(vmlinux.LastTypeId - vmlinux.FirstTypeId + 1);
        // "kfuncs": vmlinux's tagged FUNCs (what kfuncs.txt lists); module kfuncs are listed per module.
        var tagged = vmlinux.FuncsWithDeclTag(KfuncTags.Kfunc).Select(vmlinux.NameOf);
        var moduleKfuncs = kernel.Modules.ToDictionary(m => m.Name,
            m => (IReadOnlyList<string>)m.Spec.FuncsWithDeclTag(KfuncTags.Kfunc).Select(m.Spec.NameOf).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());
        return new KernelReport(kernel.Release, kernel.BtfSha256, types, vmlinux.Funcs().Count, kernel.HasKfuncTags,
            tagged.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            kernel.Modules.Select(m => m.Name).ToArray(), moduleKfuncs,
            kernel.KfuncFlags?.Keys.Order(StringComparer.Ordinal).ToArray());
    }
}
