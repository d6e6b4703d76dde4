using System.Reflection;
using CompatService.Engine.Analysis;
using CompatService.Engine.Analysis.Rules;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>The catalog is complete and unambiguous: every reason code has exactly one rule, and README lists them all.</summary>
public sealed class RuleCatalogTests
{
    private static string[] AllCodes() =>
        typeof(ReasonCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!).ToArray();

    [Fact]
    public void EveryReasonCode_HasExactlyOneRule()
    {
        var owners = RuleCatalog.All.SelectMany(r => r.Codes.Select(c => (c.Code, Rule: r.GetType().Name))).ToLookup(x => x.Code, x => x.Rule);
        foreach (var code in AllCodes())
            Assert.True(owners[code].Count() == 1, $"{code}: rules {string.Join(", ", owners[code])}");
        Assert.All(owners.Select(g => g.Key), code => Assert.Contains(code, AllCodes()));
    }

    [Fact]
    public void Severities_DecideTheVerdict()
    {
        Reason R(string code) => new(code, null, null, "m");
        Assert.Equal(Verdict.Loads, VerdictRules.Decide([R(ReasonCodes.KfuncFlagsUnavailable), R(ReasonCodes.RodataAsShipped)]));
        Assert.Equal(Verdict.Unknown, VerdictRules.Decide([R(ReasonCodes.KconfigUnknown), R(ReasonCodes.MapSizedAtRuntime)]));
        Assert.Equal(Verdict.Fails, VerdictRules.Decide([R(ReasonCodes.KconfigUnknown), R(ReasonCodes.HelperMissing)]));
        Assert.Equal(Verdict.Fails, VerdictRules.Decide([R("a-code-no-rule-knows")])); // never a silent "loads"
    }

    [Fact]
    public void Readme_ListsEveryRuleAndTheInputItNeeds()
    {
        var readme = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "README.md"));
        foreach (var code in AllCodes()) Assert.Contains($"`{code}`", readme);
        foreach (var rule in RuleCatalog.All.Where(r => r.GetType().IsPublic)) Assert.Contains(rule.GetType().Name, readme);
    }
}
