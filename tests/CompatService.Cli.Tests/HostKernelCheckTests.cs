using CompatService.Engine;
using System.Text.Json;
using CompatService.Cli;
using CompatService.Engine.Analysis;
using CompatService.Tests.Shared;
using CompatService.HostKernels;

namespace CompatService.Cli.Tests;

/// <summary>
/// `compat check X.o --kernel /sys/kernel/btf/vmlinux` reads the running kernel through the one host reader, config
/// included: kconfig externs are decided and a typed ksym is judged against CONFIG_KALLSYMS_ALL, exactly as the agent
/// (which opens <see cref="HostKernel.OpenEngineKernel"/>) judges them on the same host.
/// </summary>
public sealed class HostKernelCheckTests
{
    private static JsonElement Result(string fixture)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        CompatCli.Run(["check", TestData.FixturePath(fixture), "--kernel", "/sys/kernel/btf/vmlinux", "--format", "json"], stdout, stderr);
        using var doc = JsonDocument.Parse(stdout.ToString());
        return doc.RootElement.GetProperty("objects")[0].GetProperty("programs")[0].GetProperty("results")[0].Clone();
    }

    private static string[] Codes(JsonElement result) =>
        result.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    [HostConfigFact]
    public void KconfigExterns_AreDecidedFromTheHostConfig()
    {
        var result = Result("kconfig_externs");
        Assert.DoesNotContain(ReasonCodes.KconfigUnknown, Codes(result));
        Assert.Equal("loads", result.GetProperty("verdict").GetString());
    }

    [HostConfigFact]
    public void TypedKsym_FollowsTheHostsKallsymsAll_AsTheAgentDoes()
    {
        var host = HostKernel.Discover();
        var result = Result("ksym_typed_present");
        if (host.Config!.ContainsKey("CONFIG_KALLSYMS_ALL"))
            Assert.Equal("loads", result.GetProperty("verdict").GetString());
        else
        {
            Assert.Equal("fails", result.GetProperty("verdict").GetString());
            Assert.Contains(ReasonCodes.KsymNotInKallsyms, Codes(result));
        }

        // The agent's view of the same host: same verdict and codes, fixture by fixture.
        var kernel = host.OpenEngineKernel();
        foreach (var fixture in new[] { "ksym_typed_present", "kconfig_externs", "xdp_pass", "kfunc_weak_missing_unguarded" })
        {
            var agent = CompatEngine.Check(TestData.Fixture(fixture), kernel, "host").Single();
            var cli = Result(fixture);
            Assert.Equal(agent.Verdict.ToString().ToLowerInvariant(), cli.GetProperty("verdict").GetString());
            Assert.Equal(agent.Reasons.Select(r => r.Code), Codes(cli));
        }
    }
}

/// <summary>Skipped, with its reason, unless the host has BTF and a readable config (/proc/config.gz or /boot/config-R).</summary>
public sealed class HostConfigFactAttribute : FactAttribute
{
    public HostConfigFactAttribute()
    {
        if (!File.Exists("/sys/kernel/btf/vmlinux")) Skip = "/sys/kernel/btf/vmlinux is absent: the host kernel has no BTF";
        else if (HostKernel.Discover().Config is null) Skip = "the host's config is unreadable (no /proc/config.gz, no /boot/config-$(uname -r))";
    }
}
