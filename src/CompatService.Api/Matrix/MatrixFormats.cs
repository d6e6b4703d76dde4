using System.Globalization;
using System.Text;
using System.Xml.Linq;
using CompatService.Api.Mapping;
using CompatService.Contracts;

namespace CompatService.Api.Matrix;

/// <summary>CSV, Markdown and JUnit renderings of a <see cref="MatrixReport"/> (JSON is the report itself).</summary>
public static class MatrixFormats
{
    public static string Csv(MatrixReport m)
    {
        var sb = new StringBuilder("object,object_sha256,program,section,type,kernel,release,btf_sha256,verdict,reasons\n");
        var kernels = m.Kernels.ToDictionary(k => k.Id);
        foreach (var o in m.Objects)
            foreach (var p in o.Programs)
                foreach (var r in p.Results)
                {
                    kernels.TryGetValue(r.Kernel, out var k);
                    sb.AppendJoin(',', new[]
                    {
                        o.Path, o.Sha256, p.Name, p.Section, p.Type, r.Kernel, k?.Release ?? "", k?.BtfSha256 ?? "",
                        r.Verdict.Wire(), string.Join("; ", r.Reasons.Select(x => x.Symbol is null ? x.Code : $"{x.Code}:{x.Symbol}")),
                    }.Select(Field)).Append('\n');
                }
        return sb.ToString();
    }

    private static string Field(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? '"' + s.Replace("\"", "\"\"") + '"' : s;

    public static string Markdown(MatrixReport m, bool? ok = null)
    {
        var sb = new StringBuilder();
        if (ok is { } pass) sb.Append(pass ? "**compat check: ok**\n\n" : "**compat check: FAILED**\n\n");
        var heads = m.Kernels.Select(k => $"{k.Release ?? "?"} (#{k.Id})").ToList();
        foreach (var o in m.Objects)
        {
            sb.Append(CultureInfo.InvariantCulture, $"### {Cell(o.Path)} (`{o.Sha256[..12]}`)\n\n");
            sb.Append("| program | ").AppendJoin(" | ", heads.Select(Cell)).Append(" |\n");
            sb.Append("|---|").Append(string.Concat(heads.Select(_ => "---|"))).Append('\n');
            foreach (var p in o.Programs)
            {
                sb.Append("| ").Append(Cell(p.Name)).Append(" | ");
                sb.AppendJoin(" | ", m.Kernels.Select(k => p.Results.FirstOrDefault(r => r.Kernel == k.Id) is { } r ? Verdict(r) : "-"));
                sb.Append(" |\n");
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Verdict(ProgramResult r) => r.Verdict switch
    {
        Contracts.Verdict.Loads when r.DisabledPaths.Count > 0 => $"loads ({r.DisabledPaths.Count} path(s) disabled)",
        Contracts.Verdict.Loads => "loads",
        _ => $"**{r.Verdict.Wire()}**" + (r.Reasons.Count == 0 ? "" :
            ": " + Cell(string.Join("; ", r.Reasons.Select(x => x.Symbol is null ? x.Code : $"{x.Code} `{x.Symbol}`")))),
    };

    private static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");

    public static string JUnit(MatrixReport m)
    {
        var kernels = m.Kernels.ToDictionary(k => k.Id);
        var suites = m.Objects.Select(o =>
        {
            var cases = o.Programs.SelectMany(p => p.Results.Select(r =>
            {
                var k = kernels.GetValueOrDefault(r.Kernel);
                var tc = new XElement("testcase",
                    new XAttribute("classname", $"{o.Path}.{p.Name}"),
                    new XAttribute("name", $"{k?.Release ?? "kernel"} #{r.Kernel}"));
                var text = string.Join("\n", r.Reasons.Select(x => $"{x.Code}: {x.Message}"));
                if (r.Verdict == Contracts.Verdict.Fails)
                    tc.Add(new XElement("failure", new XAttribute("message", r.Reasons.FirstOrDefault()?.Message ?? "fails"),
                        new XAttribute("type", r.Reasons.FirstOrDefault()?.Code ?? "fails"), text));
                else if (r.Verdict == Contracts.Verdict.Unknown)
                    tc.Add(new XElement("skipped", new XAttribute("message", r.Reasons.FirstOrDefault()?.Message ?? "unknown")));
                return tc;
            })).ToList();
            return new XElement("testsuite",
                new XAttribute("name", o.Path),
                new XAttribute("tests", cases.Count),
                new XAttribute("failures", cases.Count(c => c.Element("failure") is not null)),
                new XAttribute("skipped", cases.Count(c => c.Element("skipped") is not null)),
                cases);
        }).ToList();
        var root = new XElement("testsuites", new XAttribute("name", "compat"),
            new XAttribute("tests", suites.Sum(s => (int)s.Attribute("tests")!)),
            new XAttribute("failures", suites.Sum(s => (int)s.Attribute("failures")!)),
            suites);
        return new XDocument(new XDeclaration("1.0", "utf-8", null), root).Declaration + "\n" + root;
    }
}
