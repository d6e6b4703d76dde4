using CompatService.Api.Tests.Infrastructure;
using CompatService.Cli;
using CompatService.Cli.Commands;
using CompatService.Contracts;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Ci;

/// <summary>`compat ci --server URL` against the real service: exit codes follow the service's overall pass/fail.</summary>
public sealed class CompatCiCommandTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private async Task SeedKernelAsync()
    {
        using var w = api.Writer();
        var kernel = await File.ReadAllBytesAsync(Path.Combine(TestPaths.Fixtures, "kernels", "debian-7.2.13+deb14-amd64", "vmlinux.btf.gz"));
        var r = await w.PostAsync(ApiRoutes.Kernels, Multipart.File(kernel, "vmlinux.btf.gz", ("labels", "ci=yes")));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    private (int Code, string Out, string Err) Ci(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code;
        try
        {
            code = CiCommand.Run(new CliArgs(args, new HashSet<string> { "strict" }), stdout, stderr, api.Server.CreateHandler());
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine(e.Message);
            code = 2;
        }
        return (code, stdout.ToString(), stderr.ToString());
    }

    [PgFact]
    public async Task Ci_ExitsZero_WhenEveryProgramLoads_AndOne_WhenOneFails()
    {
        await SeedKernelAsync();
        var good = Path.Combine(TestPaths.Fixtures, "bpf", "kfunc_weak_missing_guarded.bpfel.o");
        var bad = Path.Combine(TestPaths.Fixtures, "bpf", "kfunc_weak_missing_unguarded.bpfel.o");
        var ok = Ci(good, "--server", "http://localhost", "--labels", "ci=yes", "--format", "json");
        Assert.True(ok.Code == 0, ok.Err + ok.Out);
        Assert.Contains("\"ok\": true", ok.Out);
        var fail = Ci(bad, "--server", "http://localhost", "--labels", "ci=yes");
        Assert.Equal(1, fail.Code);
        Assert.Contains("weak-kfunc-unguarded", fail.Out);
        var junit = Ci(bad, "--server", "http://localhost", "--format", "junit");
        Assert.Equal(1, junit.Code);
        Assert.Contains("<testsuite", junit.Out);
    }

    [PgFact]
    public void Ci_ExitsTwo_OnUsageErrors_AndThree_WhenTheServerIsUnreachable()
    {
        Assert.Equal(2, Ci(Path.Combine(TestPaths.Fixtures, "bpf", "xdp_pass.bpfel.o")).Code); // no --server
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CiCommand.Run(new CliArgs([Path.Combine(TestPaths.Fixtures, "bpf", "xdp_pass.bpfel.o"), "--server", "http://127.0.0.1:9"], new HashSet<string>()), stdout, stderr);
        Assert.Equal(CiCommand.ServiceError, code);
        Assert.Contains("cannot reach", stderr.ToString());
    }

    [PgFact]
    public async Task Ci_Release612_MeansEvery612PointRelease_LikeTheApi()
    {
        using var w = api.Writer();
        foreach (var (rel, fn) in new[] { ("6.12.3", "ci_a"), ("6.12.40-1-amd64", "ci_b"), ("6.13.1", "ci_c") })
        {
            var r = await w.PostAsync(ApiRoutes.Kernels, Multipart.File(TinyBtf.Build([fn]), "vmlinux", ("release", rel), ("labels", "ci=rel")));
            Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        }
        var obj = Path.Combine(TestPaths.Fixtures, "bpf", "xdp_pass.bpfel.o");
        var (code, output, err) = Ci(obj, "--server", "http://localhost", "--labels", "ci=rel", "--release", "6.12", "--format", "json");
        Assert.True(code == 0, err + output);
        using var doc = System.Text.Json.JsonDocument.Parse(output);
        var releases = doc.RootElement.GetProperty("matrix").GetProperty("kernels").EnumerateArray()
            .Select(k => k.GetProperty("release").GetString()).Order().ToArray();
        Assert.Equal(new[] { "6.12.3", "6.12.40-1-amd64" }, releases);
        var bounded = Ci(obj, "--server", "http://localhost", "--labels", "ci=rel", "--min-release", "6.12.4", "--format", "json");
        Assert.True(bounded.Code == 0, bounded.Err);
        Assert.Contains("6.13.1", bounded.Out);
        Assert.DoesNotContain("\"6.12.3\"", bounded.Out);
        var bad = Ci(obj, "--server", "http://localhost", "--min-release", "banana");
        Assert.Equal(2, bad.Code);
        Assert.Contains("minRelease", bad.Err);
    }

    [PgFact]
    public void Ci_UsageListsTheReleaseBounds_AndAnUnknownOptionIsCalledOne()
    {
        var help = new StringWriter();
        Assert.Equal(0, CompatCli.Run(["ci", "--help"], help, new StringWriter()));
        Assert.Contains("--min-release", help.ToString());
        Assert.Contains("--max-release", help.ToString());
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var obj = Path.Combine(TestPaths.Fixtures, "bpf", "xdp_pass.bpfel.o");
        Assert.Equal(2, CompatCli.Run(["ci", obj, "--server", "http://localhost", "--bogus"], stdout, stderr));
        Assert.Contains("unknown option --bogus", stderr.ToString());
        stderr = new StringWriter();
        Assert.Equal(2, CompatCli.Run(["check", obj, "--bogus"], stdout, stderr));
        Assert.Contains("unknown option --bogus", stderr.ToString());
    }
}
