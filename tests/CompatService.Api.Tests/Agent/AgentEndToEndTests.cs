using System.Net.Http.Json;
using System.Text.Json;
using CompatService.Agent.Commands;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Agent;

/// <summary>A fact that needs the real service's PostgreSQL AND real bpf(2) on a kernel with BTF (root).</summary>
public sealed class PgBpfFactAttribute : FactAttribute
{
    public PgBpfFactAttribute()
    {
        if (PostgresServer.Instance is null) Skip = PostgresServer.WhyUnavailable;
        else if (!File.Exists("/sys/kernel/btf/vmlinux")) Skip = "no /sys/kernel/btf/vmlinux: this kernel has no BTF, the agent cannot load here";
        else if (Environment.UserName != "root") Skip = "not root: bpf(2) program loads need CAP_BPF";
    }
}

/// <summary>
/// The agent against the real service: asks by kernel BTF sha256 (the service does not know this host yet, so the agent
/// uploads its kernel and objects), refuses the predicted failure, loads the rest through bpf(2), reports; the service
/// then lists each observed outcome beside its own prediction.
/// </summary>
public sealed class AgentEndToEndTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "bpf", name + ".bpfel.o");

    [PgBpfFact]
    public async Task Agent_AsksUploadsLoadsReports_AndTheServiceShowsObservedBesidePredicted()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var app = new AgentApp(stdout, stderr, http: () => api.CreateClient());
        var code = await app.RunAsync(
        [
            "load", Fixture("kfunc_weak_missing_guarded"), Fixture("kfunc_weak_missing_unguarded"), Fixture("xdp_pass"),
            "--server", "http://localhost", "--api-key", ApiFactory.WriteKey, "--format", "json",
        ]);
        Assert.True(code == AgentApp.Failure, $"exit {code}\n{stdout}\n{stderr}"); // one predicted failure was refused

        using var output = JsonDocument.Parse(stdout.ToString());
        var programs = output.RootElement.GetProperty("programs").EnumerateArray().ToDictionary(p => p.GetProperty("name").GetString()!);
        Assert.Equal("fails", programs["weak_missing_unguarded"].GetProperty("predicted").GetString());
        Assert.Equal(JsonValueKind.Null, programs["weak_missing_unguarded"].GetProperty("loaded").ValueKind);
        Assert.True(programs["weak_missing_guarded"].GetProperty("loaded").GetBoolean(), stdout.ToString());
        Assert.True(programs["xdp_pass"].GetProperty("loaded").GetBoolean(), stdout.ToString());

        // the service learned the host kernel and the objects, and shows the ground truth beside its prediction
        using var c = api.CreateClient();
        var kernels = await c.GetFromJsonAsync<List<KernelDto>>(ApiRoutes.Kernels, ContractJson.Options);
        var host = Assert.Single(kernels!);
        Assert.Equal(output.RootElement.GetProperty("kernel").GetProperty("btfSha256").GetString(), host.Sha256);
        var reports = await c.GetFromJsonAsync<List<ObservedOutcomeDto>>(ApiRoutes.AgentReports, ContractJson.Options);
        Assert.Contains(reports!, r => r.Program == "weak_missing_guarded" && r.Loaded && r.Predicted == Verdict.Loads && r.ServicePrediction == Verdict.Loads && !r.Disagrees);
        Assert.Contains(reports!, r => r.Program == "xdp_pass" && r.Loaded && !r.Disagrees);
        Assert.DoesNotContain(reports!, r => r.Program == "weak_missing_unguarded"); // refused, never loaded: nothing observed
    }
}

/// <summary>
/// The agent uploads its host's kernel config beside the BTF, so the service judges config-dependent programs as the
/// host does: kconfig externs are decidable, and a typed ksym fails where the config lacks CONFIG_KALLSYMS_ALL.
/// </summary>
public sealed class AgentKernelConfigEndToEndTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "bpf", name + ".bpfel.o");

    [PgBpfFact]
    public async Task HostConfigUploaded_ServicePredictionsMatchWhatTheKernelDid()
    {
        var hostConfig = CompatService.HostKernels.HostKernel.Discover().Config;
        var stdout = new StringWriter();
        var app = new AgentApp(stdout, new StringWriter(), http: () => api.CreateClient());
        await app.RunAsync(
        [
            "load", Fixture("ksym_typed_present"), Fixture("kconfig_externs"),
            "--server", "http://localhost", "--api-key", ApiFactory.WriteKey, "--format", "json", "--force",
        ]);

        using var c = api.CreateClient();
        var host = Assert.Single((await c.GetFromJsonAsync<List<KernelDto>>(ApiRoutes.Kernels, ContractJson.Options))!);
        Assert.Equal(hostConfig is not null, host.HasConfig);
        var reports = (await c.GetFromJsonAsync<List<ObservedOutcomeDto>>(ApiRoutes.AgentReports, ContractJson.Options))!;
        var typed = Assert.Single(reports, r => r.Program == "typed_ksym_present");
        var kconfig = Assert.Single(reports, r => r.Program == "kconfig_externs");
        Assert.False(typed.Disagrees, $"typed ksym: service predicted {typed.ServicePrediction}, loaded {typed.Loaded} (errno {typed.Errno})");
        Assert.False(kconfig.Disagrees, $"kconfig: service predicted {kconfig.ServicePrediction}, loaded {kconfig.Loaded}");
        if (hostConfig is null) return; // nothing more is decidable without the host's config
        Assert.Equal(Verdict.Loads, kconfig.ServicePrediction);
        Assert.Equal(hostConfig.ContainsKey("CONFIG_KALLSYMS_ALL") ? Verdict.Loads : Verdict.Fails, typed.ServicePrediction);
        Assert.Equal(typed.ServicePrediction == Verdict.Loads, typed.Loaded);
    }
}
