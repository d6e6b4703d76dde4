using System.Net.Http.Json;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Tests.Shared;
using Xunit.Abstractions;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Api.Tests.Kernels;

/// <summary>
/// Issue 10, "done when": a raw-BTF upload of a kernel gets the same verdicts as the upload of its image, through the
/// API. The image brings KF_* flags (.BTF_ids) and kallsyms; the raw BTF has neither, so its KF_* flags come from the
/// generated kernel-facts table. Every fixture cell must agree on its verdict and deciding reason codes (notes may
/// differ: kfunc-tags-unavailable says the raw BTF lacks decl tags) — except where only the image can decide (a ksym
/// resolved through kallsyms), and there the raw upload must say `unknown` with the reason naming that input.
/// Two services on two fresh databases, so the second upload is not merged into the first.
/// </summary>
public sealed class RawBtfVersusImageApiTests(ITestOutputHelper output)
{
    private const string Kernel = "debian-6.1.0-56-amd64";
    private static readonly HashSet<string> ImageOnlyCodes = new(StringComparer.Ordinal)
        { ReasonCodes.TypelessKsymHostOnly, ReasonCodes.KsymNotInKallsyms };

    [PgCorpusFact]
    public async Task RawBtf_AndImage_SameVerdicts_ExceptWhereOnlyTheImageCanTell()
    {
        var btfDir = Path.Combine(TestPaths.Corpus, "btf", Kernel);
        var raw = await MatrixAsync(Path.Combine(btfDir, "vmlinux.btf.gz"), "vmlinux.btf.gz", Path.Combine(btfDir, "config.gz"));
        var image = await MatrixAsync(Path.Combine(TestPaths.Corpus, "images", Kernel, "vmlinuz"), "vmlinuz", Path.Combine(btfDir, "config.gz"));

        var problems = new List<string>();
        var cells = 0;
        var imageOnly = 0;
        var notes = new List<string>();
        foreach (var (key, r) in raw)
        {
            cells++;
            var i = image[key];
            if (r.Verdict == i.Verdict && Deciding(r.Codes).SetEquals(Deciding(i.Codes)))
            {
                if (!r.Codes.SetEquals(i.Codes)) notes.Add($"{key}: notes raw [{string.Join(",", r.Codes)}] image [{string.Join(",", i.Codes)}]");
                continue;
            }
            if (r.Verdict == Verdict.Unknown && r.Codes.Overlaps(ImageOnlyCodes)) { imageOnly++; continue; }
            problems.Add($"{key}: raw {r.Verdict} [{string.Join(",", r.Codes)}] vs image {i.Verdict} [{string.Join(",", i.Codes)}]");
        }
        foreach (var n in notes) output.WriteLine(n);
        output.WriteLine($"{cells} fixture cells on {Kernel}: {cells - imageOnly - problems.Count} equal, {imageOnly} unknown on raw BTF where only the image's kallsyms decide");
        Assert.Equal(raw.Count, image.Count);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The codes that decide a verdict (notes such as kfunc-tags-unavailable or rodata-as-shipped only inform).</summary>
    private static HashSet<string> Deciding(HashSet<string> codes) =>
        codes.Where(c => CompatService.Engine.Analysis.Rules.RuleCatalog.SeverityOf(c) != CompatService.Engine.Analysis.Rules.Severity.Note).ToHashSet(StringComparer.Ordinal);

    private static async Task<Dictionary<string, (Verdict Verdict, HashSet<string> Codes)>> MatrixAsync(string kernel, string name, string config)
    {
        await using var api = new ApiFactory();
        await api.InitializeAsync();
        using var c = api.Writer();
        using (var form = Multipart.File(await File.ReadAllBytesAsync(kernel), name, ("release", "6.1.0-56-amd64")))
        {
            var cfg = new ByteArrayContent(await File.ReadAllBytesAsync(config));
            form.Add(cfg, "config", "config.gz");
            var r = await c.PostAsync(ApiRoutes.Kernels, form);
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        }
        foreach (var file in Directory.GetFiles(Path.Combine(TestPaths.Fixtures, "bpf"), "*.bpfel.o").Order(StringComparer.Ordinal))
        {
            var r = await c.PostAsync(ApiRoutes.Objects, Multipart.File(await File.ReadAllBytesAsync(file), Path.GetFileName(file)));
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        }
        var m = (await c.GetFromJsonAsync<MatrixReport>(ApiRoutes.Matrix + "?format=json", ContractJson.Options))!;
        return m.Objects.SelectMany(o => o.Programs.SelectMany(p => p.Results.Select(r =>
                ($"{Path.GetFileName(o.Path)}/{p.Name}", (r.Verdict, r.Reasons.Select(x => x.Code).ToHashSet(StringComparer.Ordinal))))))
            .ToDictionary(x => x.Item1, x => x.Item2, StringComparer.Ordinal);
    }
}
