using System.Text.Json;
using CompatService.Agent.Commands;
using CompatService.Tests.Shared;
using CompatService.Contracts;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Agent.Tests.Commands;

public class AgentCommandTests
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "bpf", name + ".bpfel.o");

    private static async Task<(int Code, string Out, string Err)> Run(FakeService? service, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var app = new AgentApp(o, e, service is null ? null : () => new HttpClient(service));
        var code = await app.RunAsync(args);
        return (code, o.ToString(), e.ToString());
    }

    [Theory]
    [InlineData(new string[0], 2)]
    [InlineData(new[] { "frobnicate" }, 2)]
    [InlineData(new[] { "check" }, 2)]
    [InlineData(new[] { "check", "x.o", "--format", "yaml" }, 2)]
    [InlineData(new[] { "check", "x.o", "--bogus" }, 2)]
    [InlineData(new[] { "report" }, 2)]
    [InlineData(new[] { "load", "x.o", "--server", "not a url" }, 2)]
    [InlineData(new[] { "--help" }, 0)]
    public async Task Usage_BadInputExitsTwo(string[] args, int expected)
    {
        var (code, _, _) = await Run(null, args);
        Assert.Equal(expected, code);
    }

    [Fact]
    public async Task Check_MissingOrMalformedObject_ExitsTwoWithMessage()
    {
        var (code, _, err) = await Run(null, "check", "/nonexistent.o");
        Assert.Equal(2, code);
        Assert.Contains("/nonexistent.o: no such file", err);
        var junk = Path.GetTempFileName();
        await File.WriteAllTextAsync(junk, "not an elf");
        (code, _, err) = await Run(null, "check", junk);
        Assert.Equal(2, code);
        Assert.Contains("not a BPF object", err);
    }

    [HostBtfFact]
    public async Task Check_Json_HasTheContractShape_LoadedNull()
    {
        var (code, stdout, _) = await Run(null, "check", Fixture("xdp_pass"), Fixture("kfunc_weak_missing_unguarded"), "--format", "json");
        Assert.Equal(1, code); // one predicted failure
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.Equal(["kernel", "programs"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["release", "btfSha256"], root.GetProperty("kernel").EnumerateObject().Select(p => p.Name));
        Assert.Matches("^[0-9a-f]{64}$", root.GetProperty("kernel").GetProperty("btfSha256").GetString());
        var programs = root.GetProperty("programs").EnumerateArray().ToArray();
        Assert.Equal(2, programs.Length);
        Assert.Equal(["object", "name", "predicted", "loaded", "errno", "verifierTail", "reasons"], programs[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("loads", programs[0].GetProperty("predicted").GetString());
        Assert.Equal(JsonValueKind.Null, programs[0].GetProperty("loaded").ValueKind);
        Assert.Equal("fails", programs[1].GetProperty("predicted").GetString());
        Assert.Equal(ReasonCodes.WeakKfuncUnguarded, programs[1].GetProperty("reasons")[0].GetProperty("code").GetString());
    }

    [HostBtfFact]
    public async Task Check_AllLoad_ExitsZero_TextNamesEachProgram()
    {
        var (code, stdout, _) = await Run(null, "check", Fixture("xdp_pass"), Fixture("socket_filter_map"));
        Assert.Equal(0, code);
        Assert.Contains("xdp_pass.bpfel.o: xdp_pass: predicted loads", stdout);
        Assert.Contains("socket_filter_map.bpfel.o: socket_filter_map: predicted loads", stdout);
    }

    [HostBtfFact]
    public async Task Service_UnknownKernelAndObject_AreUploadedThenAskedAgain()
    {
        var service = new FakeService();
        var host = Host.Session;
        var obj = AgentApp.ReadObjects([Fixture("xdp_pass")]).Single();
        service.PendingKernelSha = host.Host.BtfSha256;
        service.PendingObjectSha = obj.Sha256;
        service.ProgramsOf[obj.Sha256] = ["xdp_pass"];
        var client = new ServiceClient(new HttpClient(service), new Uri("http://svc/"), "k1");
        var predictions = await LoadCommand.FromServiceAsync(client, host, [obj], CancellationToken.None);
        Assert.Equal(Verdict.Loads, predictions[(obj.Sha256, "xdp_pass")].Verdict);
        var paths = service.Requests.Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.Equal("GET /api/agent/verdicts", paths[0]);
        Assert.Equal("POST /api/kernels", paths[1]);
        Assert.Equal(host.Host.Modules.Count, service.ModuleUploads.Count);
        Assert.Equal(["GET /api/agent/verdicts", "POST /api/objects", "GET /api/agent/verdicts"], paths.Skip(2 + host.Host.Modules.Count));
        Assert.All(service.Requests, r => Assert.Equal("k1", r.ApiKey));
    }

    [HostBtfFact]
    public async Task Service_Down_ExitsThree()
    {
        var (code, _, err) = await Run(new FakeService { Down = true }, "load", Fixture("xdp_pass"), "--server", "http://svc/");
        Assert.Equal(3, code);
        Assert.Contains("Connection refused", err);
    }

    [HostBtfFact]
    public async Task Report_UploadsThisHostsKernel()
    {
        var service = new FakeService { PendingKernelSha = Host.Session.Host.BtfSha256 };
        var (code, stdout, _) = await Run(service, "report", "--server", "http://svc/");
        Assert.Equal(0, code);
        Assert.Contains(Host.Session.Host.BtfSha256, service.Kernels);
        Assert.StartsWith("kernel 1:", stdout);
    }

    [BpfFact]
    public async Task Load_WithServer_RefusesPredictedFailure_LoadsTheRest_AndReportsWhatHappened()
    {
        var service = new FakeService { PendingKernelSha = Host.Session.Host.BtfSha256 };
        service.Kernels.Add(Host.Session.Host.BtfSha256);
        var good = AgentApp.ReadObjects([Fixture("xdp_pass")]).Single();
        var bad = AgentApp.ReadObjects([Fixture("kfunc_weak_missing_unguarded")]).Single();
        service.Objects.UnionWith([good.Sha256, bad.Sha256]);
        service.ProgramsOf[good.Sha256] = ["xdp_pass"];
        service.ProgramsOf[bad.Sha256] = ["weak_missing_unguarded"];
        service.Verdict = (sha, _) => new ProgramResult("k", sha == bad.Sha256 ? Verdict.Fails : Verdict.Loads, [], [], []);

        var (code, stdout, _) = await Run(service, "load", Fixture("xdp_pass"), Fixture("kfunc_weak_missing_unguarded"), "--server", "http://svc/", "--format", "json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(stdout);
        var programs = doc.RootElement.GetProperty("programs").EnumerateArray().ToArray();
        Assert.True(programs[0].GetProperty("loaded").GetBoolean());
        Assert.Equal(JsonValueKind.Null, programs[1].GetProperty("loaded").ValueKind);
        var report = Assert.Single(service.Reports);
        var outcome = Assert.Single(report.Outcomes);
        Assert.Equal(("xdp_pass", true, Verdict.Loads, good.Sha256), (outcome.Program, outcome.Loaded, outcome.Predicted, outcome.ObjectSha256));

        // --force loads the predicted failure and reports the kernel's answer, mapped to the kfunc's name
        (code, _, _) = await Run(service, "load", Fixture("kfunc_weak_missing_unguarded"), "--server", "http://svc/", "--force");
        Assert.Equal(1, code);
        var forced = Assert.Single(service.Reports[^1].Outcomes);
        Assert.False(forced.Loaded);
        Assert.Equal(22, forced.Errno);
        Assert.Contains("kfunc 'bpf_compat_missing_weak' is referenced but wasn't resolved", forced.VerifierTail);
    }

    [BpfFact]
    public async Task Load_Force_OfAProgramPredictedToFail_ExitsOne_EvenWhenTheKernelTakesIt()
    {
        // The service predicts "fails" for a program this kernel accepts: --force loads it, and the exit code still
        // says "a predicted failure" (README: 1 a predicted or observed failure).
        var service = new FakeService { PendingKernelSha = Host.Session.Host.BtfSha256 };
        service.Kernels.Add(Host.Session.Host.BtfSha256);
        var good = AgentApp.ReadObjects([Fixture("xdp_pass")]).Single();
        service.Objects.Add(good.Sha256);
        service.ProgramsOf[good.Sha256] = ["xdp_pass"];
        service.Verdict = (_, _) => new ProgramResult("k", Verdict.Fails, [], [], []);

        var (code, stdout, _) = await Run(service, "load", Fixture("xdp_pass"), "--server", "http://svc/", "--force", "--format", "json");
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("programs")[0].GetProperty("loaded").GetBoolean());
        Assert.Equal(1, code);
    }

    [Theory]
    [InlineData(Verdict.Fails, true, false, 1)]   // --force of a predicted failure that loaded
    [InlineData(Verdict.Loads, false, false, 1)]  // observed failure
    [InlineData(Verdict.Loads, true, false, 0)]
    [InlineData(Verdict.Unknown, true, false, 0)]
    [InlineData(Verdict.Unknown, true, true, 1)]  // --strict
    public void LoadExitCode_FollowsTheOnePolicy(Verdict predicted, bool loaded, bool strict, int expected) =>
        Assert.Equal(expected, LoadCommand.ExitCode([new AgentProgramLine("o", "p", predicted, loaded, null, null, [])], strict));

    [BpfFact]
    public async Task Load_Offline_AllPredictedLoads_ExitZero()
    {
        var (code, stdout, _) = await Run(null, "load", Fixture("xdp_pass"), Fixture("kfunc_module_ct"), Fixture("kconfig_externs"));
        Assert.Equal(0, code);
        Assert.Equal(3, stdout.Split('\n').Count(l => l.EndsWith("  loaded", StringComparison.Ordinal)));
    }
}

public class AgentPermissionTests
{
    [HostBtfFact]
    public async Task Load_WithoutBpfPermission_ExitsThreeAndSaysWhy()
    {
        var fake = new CompatService.Tests.Shared.FakeBpfSyscalls();
        fake.Handlers[CompatService.Loader.Syscalls.BpfCommand.BtfGetNextId] = _ => -CompatService.Loader.Syscalls.Errno.EPERM;
        var session = new CompatService.Loader.Discovery.HostSession(Host.Session.Host, new CompatService.Loader.Syscalls.BpfApi(fake));
        var err = new StringWriter();
        var app = new AgentApp(new StringWriter(), err, host: _ => session);
        var code = await app.RunAsync(["load", Path.Combine(CompatService.Tests.Shared.TestPaths.Fixtures, "bpf", "xdp_pass.bpfel.o")]);
        Assert.Equal(3, code);
        Assert.Contains("EPERM", err.ToString());
        Assert.Contains("root", err.ToString());
    }
}
