using System.Text.Json;
using CompatService.Engine.Analysis;
using CompatService.Engine.Binary;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Cli.Tests;

/// <summary>
/// The engine's refusals and kernel facts as `compat` reports them: a work budget exits 2 with the engine's message,
/// a malformed kernel directory exits 2 naming the file, the image's kallsyms decide a typed ksym.
/// </summary>
public sealed class CliEngineEdgeTests
{
    [Fact]
    public void Cli_OverTheWorkBudget_ExitsTwo_WithTheSameMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), $"compat-budget-{Environment.ProcessId}-{Guid.NewGuid():N}.o");
        File.WriteAllBytes(path, HostileObjects.BranchyProgram(2_000));
        try
        {
            var kernel = TestData.FixtureKernelDir("debian-6.1.0-47-amd64");
            var (code, _, err) = Run("check", path, "--kernel", kernel, "--work-budget", "20000");
            Assert.Equal(2, code);
            Assert.Contains($"compat: too complex to analyse: {path} on {kernel}: program 'branchy': reachability walk: more than the work budget of 20000 steps", err);

            (code, _, err) = Run("inspect", path, "--work-budget", "100");
            Assert.Equal(2, code);
            Assert.Contains($"compat: {path}: too complex to analyse: object: decoding the instructions of section 'xdp'", err);

            (code, var output, err) = Run("check", path, "--kernel", kernel);
            Assert.True(code == 0, err + output); // the defaults analyse it
            Assert.Equal(2, Run("inspect", path, "--work-budget", "-1").Code);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("info.json", "{\"release\": ")]
    [InlineData("kfuncs-btf_ids.txt", "bpf_foo 0xZZ\n")]
    public void KernelDirectory_WithMalformedSideFiles_IsAFormatError_AndTheCliExitsTwo(string file, string content)
    {
        var dir = Directory.CreateTempSubdirectory("hostile-kdir-").FullName;
        try
        {
            File.Copy(Path.Combine(TestData.FixtureKernelDir("debian-6.1.0-47-amd64"), "vmlinux.btf.gz"), Path.Combine(dir, "vmlinux.btf.gz"));
            File.WriteAllText(Path.Combine(dir, file), content);
            var e = Assert.Throws<BpfFormatException>(() => KernelDirectory.Load(dir));
            Assert.Contains(file, e.Message);
            var stderr = new StringWriter();
            var code = CompatCli.Run(["kernel", dir], new StringWriter(), stderr);
            Assert.Equal(2, code);
            Assert.Contains(file, stderr.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    private static JsonElement CliResult(string fixture, string kernel)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.True(CompatCli.Run(["check", TestData.FixturePath(fixture), "--kernel", kernel, "--format", "json"], stdout, stderr) is 0 or 1, stderr.ToString());
        using var doc = JsonDocument.Parse(stdout.ToString());
        return doc.RootElement.GetProperty("objects")[0].GetProperty("programs")[0].GetProperty("results")[0].Clone();
    }

    private static string[] Codes(JsonElement result) =>
        result.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).ToArray();

    /// <summary>
    /// `compat check --kernel vmlinuz` on the real Debian 6.1 images: amd64 (CONFIG_KALLSYMS_ALL) keeps bpf_prog_active
    /// in kallsyms, arm64 (no KALLSYMS_ALL) does not — what the lab's real loads on 6.1 show for this fixture.
    /// </summary>
    [CorpusFact]
    public void Cli_WithTheImage_DecidesTheTypedKsymFromItsKallsyms()
    {
        var amd64 = CliResult("ksym_typed_present", KernelTestData.CorpusImage("debian-6.1.0-56-amd64", "vmlinuz"));
        Assert.Equal("loads", amd64.GetProperty("verdict").GetString());

        var arm64 = CliResult("ksym_typed_present", KernelTestData.CorpusImage("debian-6.1.0-56-arm64", "Image.gz"));
        Assert.Equal("fails", arm64.GetProperty("verdict").GetString());
        Assert.Contains(ReasonCodes.KsymNotInKallsyms, Codes(arm64));
    }

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        return (CompatCli.Run(args, stdout, stderr), stdout.ToString(), stderr.ToString());
    }
}
