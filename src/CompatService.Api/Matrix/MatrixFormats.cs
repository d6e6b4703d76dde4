using System.Xml.Linq;
using CompatService.Api.Mapping;
using CompatService.Contracts;
using CompatService.Reporting;

namespace CompatService.Api.Matrix;

/// <summary>CSV, Markdown and JUnit renderings of a <see cref="MatrixReport"/> (JSON is the report itself).</summary>
public static class MatrixFormats
{
    /// <summary>The same CSV `compat check --format csv` prints.</summary>
    public static string Csv(MatrixReport m) => MatrixFormatter.Csv(m);

    /// <summary>The same Markdown `compat check --format markdown` prints, headed by the CI outcome when given.</summary>
    public static string Markdown(MatrixReport m, bool? ok = null) =>
        (ok is { } pass ? (pass ? "**compat check: ok**\n\n" : "**compat check: FAILED**\n\n") : "") + MatrixFormatter.Markdown(m);

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
                if (r.Verdict == Verdict.Fails)
                    tc.Add(new XElement("failure", new XAttribute("message", r.Reasons.FirstOrDefault()?.Message ?? "fails"),
                        new XAttribute("type", r.Reasons.FirstOrDefault()?.Code ?? "fails"), text));
                else if (r.Verdict == Verdict.Unknown)
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
