using System.Net.Http.Json;
using System.Security.Cryptography;
using CompatService.Agent.Commands;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Cli;
using CompatService.Contracts;
using CompatService.Engine.Reporting;
using CompatService.HostKernels;
using CompatService.Loader.Discovery;
using CompatService.Loader.Syscalls;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Ci;

/// <summary>
/// One "ok" policy for every face: on the same kernel (the 7.2 fixture's vmlinux, no config) and the same objects, the
/// CLI's `check` exit code, the CI endpoint's <c>ok</c> (lenient and strict) and the agent's `check` exit code (lenient
/// and --strict) all equal <see cref="OkPolicy"/> over the verdicts — including the set with an <c>unknown</c>, where
/// lenient and strict differ.
/// </summary>
public sealed class OkPolicyAcrossFacesTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string KernelGz = Path.Combine(TestPaths.Fixtures, "kernels", "debian-7.2.13+deb14-amd64", "vmlinux.btf.gz");
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "bpf", name + ".bpfel.o");

    public static TheoryData<string[], bool, bool> Sets => new()
    {
        // objects, ok lenient, ok strict
        { ["xdp_pass"], true, true },
        { ["kconfig_externs"], true, false },                  // unknown: kconfig-unknown (no config)
        { ["kfunc_weak_missing_unguarded"], false, false },    // fails
        { ["xdp_pass", "kconfig_externs"], true, false },
    };

    private async Task SeedAsync()
    {
        using var w = api.Writer();
        var r = await w.PostAsync(ApiRoutes.Kernels, Multipart.File(await File.ReadAllBytesAsync(KernelGz), "vmlinux.btf.gz", ("labels", "okpolicy=yes")));
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
    }

    private static int Cli(string[] objects)
    {
        var args = objects.Select(Fixture).Concat(["--kernel", KernelGz]).Prepend("check").ToArray();
        return CompatCli.Run(args, new StringWriter(), new StringWriter());
    }

    private async Task<bool> ApiOk(string obj, bool strict)
    {
        using var c = api.Writer();
        var form = Multipart.File(await File.ReadAllBytesAsync(Fixture(obj)), obj + ".o", ("labels", "okpolicy=yes"), ("strict", strict ? "true" : "false"));
        var r = await c.PostAsync(ApiRoutes.CiCheck, form);
        Assert.True(r.IsSuccessStatusCode, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync<CiCheckResponse>(ContractJson.Options))!.Ok;
    }

    private static async Task<int> Agent(string[] objects, bool strict)
    {
        await using var gz = new System.IO.Compression.GZipStream(File.OpenRead(KernelGz), System.IO.Compression.CompressionMode.Decompress);
        using var raw = new MemoryStream();
        await gz.CopyToAsync(raw);
        var vmlinux = raw.ToArray();
        var host = new HostKernel
        {
            VmlinuxBtf = vmlinux, VmlinuxPath = KernelGz, BtfSha256 = Convert.ToHexStringLower(SHA256.HashData(vmlinux)),
            Modules = [], Release = "7.2.13+deb14-amd64",
        };
        using var session = new HostSession(host, new BpfApi(new FakeBpfSyscalls())); // check never calls bpf(2)
        var app = new AgentApp(new StringWriter(), new StringWriter(), host: _ => session);
        string[] argv = ["check", .. objects.Select(Fixture), .. strict ? new[] { "--strict" } : []];
        return await app.RunAsync(argv);
    }

    [PgTheory]
    [MemberData(nameof(Sets))]
    public async Task EveryFace_AppliesTheSamePolicy(string[] objects, bool okLenient, bool okStrict)
    {
        await SeedAsync();
        Assert.True(CompatService.Cli.Commands.CheckCommand.Strict); // `compat check`: exit 0 only when every program loads
        Assert.Equal(okStrict ? 0 : 1, Cli(objects));
        if (objects.Length == 1)
        {
            Assert.Equal(okLenient, await ApiOk(objects[0], strict: false));
            Assert.Equal(okStrict, await ApiOk(objects[0], strict: true));
        }
        Assert.Equal(okLenient ? 0 : 1, await Agent(objects, strict: false));
        Assert.Equal(okStrict ? 0 : 1, await Agent(objects, strict: true));
    }
}
