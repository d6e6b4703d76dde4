using System.Text.Json;
using CompatService.Cli;
using CompatService.Engine.Analysis;
using CompatService.Tests.Shared;

namespace CompatService.Cli.Tests;

/// <summary>The `compat` command as CI scripts call it: exact JSON fields, exit codes, errors on stderr.</summary>
public sealed class CompatCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CompatCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Kernel72 => TestData.FixtureKernelDir("debian-7.2.13+deb14-amd64");
    private static string Kernel61 => TestData.FixtureKernelDir("debian-6.1.0-47-amd64");

    [Fact]
    public void Check_Json_HasTheContractShape_AndExitsZeroWhenEverythingLoads()
    {
        var (code, output, err) = Run("check", TestData.FixturePath("kfunc_weak_missing_guarded"), "--kernel", Kernel72, "--kernel", Kernel61, "--format", "json");
        Assert.True(code == 0, err + output);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        var kernels = root.GetProperty("kernels");
        Assert.Equal(2, kernels.GetArrayLength());
        Assert.Equal(Kernel72, kernels[0].GetProperty("id").GetString());
        Assert.Equal(64, kernels[0].GetProperty("btfSha256").GetString()!.Length);
        Assert.True(kernels[0].TryGetProperty("release", out _));
        var obj = root.GetProperty("objects")[0];
        Assert.Equal(64, obj.GetProperty("sha256").GetString()!.Length);
        Assert.EndsWith("kfunc_weak_missing_guarded.bpfel.o", obj.GetProperty("path").GetString());
        var program = obj.GetProperty("programs")[0];
        Assert.Equal("weak_missing_guarded", program.GetProperty("name").GetString());
        Assert.Equal("xdp", program.GetProperty("section").GetString());
        Assert.Equal("xdp", program.GetProperty("type").GetString());
        var kfunc = program.GetProperty("kfuncs")[0];
        Assert.Equal("bpf_compat_missing_weak", kfunc.GetProperty("name").GetString());
        Assert.True(kfunc.GetProperty("weak").GetBoolean());
        Assert.Equal(1, kfunc.GetProperty("callSites").GetArrayLength());
        Assert.Equal(1, kfunc.GetProperty("existenceChecks").GetArrayLength());
        var result = program.GetProperty("results")[0];
        Assert.Equal(Kernel72, result.GetProperty("kernel").GetString());
        Assert.Equal("loads", result.GetProperty("verdict").GetString());
        Assert.Equal(JsonValueKind.Array, result.GetProperty("reasons").ValueKind);
        var resolution = result.GetProperty("kfuncs")[0];
        Assert.Equal("missing", resolution.GetProperty("resolution").GetString());
        Assert.True(resolution.TryGetProperty("btfId", out _));
        Assert.True(resolution.TryGetProperty("module", out _));
        Assert.Equal(1, result.GetProperty("disabledPaths").GetArrayLength());
    }

    [Fact]
    public void Check_ExitsOne_WhenSomeProgramFails_AndReasonsCarryCodeSymbolInsnMessage()
    {
        var (code, output, _) = Run("check", TestData.FixturePath("kfunc_weak_missing_unguarded"), "--kernel", Kernel72, "--format", "json");
        Assert.Equal(1, code);
        using var doc = JsonDocument.Parse(output);
        var reason = doc.RootElement.GetProperty("objects")[0].GetProperty("programs")[0].GetProperty("results")[0].GetProperty("reasons")[0];
        Assert.Equal("weak-kfunc-unguarded", reason.GetProperty("code").GetString());
        Assert.Equal("bpf_compat_missing_weak", reason.GetProperty("symbol").GetString());
        Assert.True(reason.GetProperty("insn").GetInt32() >= 0);
        Assert.Contains("not found in", reason.GetProperty("message").GetString());
    }

    [Fact]
    public void Check_Markdown_AndText_NameTheVerdicts()
    {
        var (code, md, _) = Run("check", TestData.FixturePath("iter_num_strong"), "--kernel", Kernel61, "--kernel", Kernel72, "--format", "markdown");
        Assert.Equal(1, code);
        Assert.Contains("| object | program | type |", md);
        Assert.Contains("kfunc-missing", md);
        var (_, text, _) = Run("check", TestData.FixturePath("iter_num_strong"), "--kernel", Kernel61);
        Assert.Contains("FAILS", text);
    }

    [Fact]
    public void BadObject_ExitsTwo_NamingFileAndOffset()
    {
        var path = Path.Combine(Path.GetTempPath(), $"compat-bad-{Guid.NewGuid():N}.o");
        var bytes = File.ReadAllBytes(TestData.FixturePath("xdp_pass"));
        File.WriteAllBytes(path, bytes.AsSpan(0, 100).ToArray());
        try
        {
            var (code, output, err) = Run("check", path, "--kernel", Kernel72);
            Assert.Equal(2, code);
            Assert.Equal("", output);
            Assert.Contains(path, err);
            Assert.Contains("offset", err);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void BpfObjectGivenAsKernel_ExitsTwo_SayingItIsABpfObject(string endian)
    {
        var obj = TestData.FixturePath("xdp_pass", endian);
        var (code, output, err) = Run("check", obj, "--kernel", obj);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("this is a BPF object", err);
        Assert.Equal(2, Run("kernel", obj).Code);
    }

    [Fact]
    public void TruncatedRawBtfKernel_ExitsTwo_SayingWhereItEnds()
    {
        var path = Path.Combine(Path.GetTempPath(), $"compat-cut-{Guid.NewGuid():N}.btf");
        using (var gz = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(Kernel61, "vmlinux.btf.gz")), System.IO.Compression.CompressionMode.Decompress))
        {
            var head = new byte[4096];
            gz.ReadExactly(head);
            File.WriteAllBytes(path, head);
        }
        try
        {
            var (code, _, err) = Run("kernel", path);
            Assert.Equal(2, code);
            Assert.Matches(@"the BTF header declares \d+ bytes, the file has 4096", err);
        }
        finally { File.Delete(path); }
    }

    /// <summary>Issue 12 item 7: System.CommandLine gives help for every command and option, --version and completion.</summary>
    [Fact]
    public void CommandLine_HelpForEveryCommand_Version_Completion_UnknownOption()
    {
        var options = new Dictionary<string, string[]>
        {
            ["inspect"] = ["--format", "--work-budget"], ["kernel"] = ["--format"], ["check"] = ["--kernel", "--format"],
            ["relocate"] = ["--kernel", "--program", "--format"], ["disasm"] = ["--program", "--kernel"],
            ["ci"] = ["--server", "--labels", "--release", "--min-release", "--max-release", "--arch", "--strict", "--api-key", "--format"],
        };
        foreach (var (command, names) in options)
        {
            var (code, output, err) = Run(command, "--help");
            Assert.True(code == 0, err);
            foreach (var name in names) Assert.Contains(name, output);
        }
        var version = Run("--version");
        Assert.Equal(0, version.Code);
        Assert.Matches(@"^\d+\.\d+", version.Out.Trim());
        var suggest = Run("[suggest:9]", "check --f");
        Assert.Contains("--format", suggest.Out);
        var formats = Run("[suggest:19]", "check x.o --format ");
        Assert.Contains("markdown", formats.Out);
        var typo = Run("check", TestData.FixturePath("xdp_pass"), "--kernl", TestData.FixturePath("xdp_pass"));
        Assert.Equal(2, typo.Code);
        Assert.Contains("unknown option --kernl", typo.Err);
        var bogus = Run("inspect", TestData.FixturePath("xdp_pass"), "--bogus");
        Assert.Equal(2, bogus.Code);
        Assert.Contains("unknown option --bogus", bogus.Err);
        var badFormat = Run("inspect", TestData.FixturePath("xdp_pass"), "--format", "yaml");
        Assert.Equal(2, badFormat.Code);
        Assert.Contains("yaml", badFormat.Err);
    }

    [Fact]
    public void UsageErrors_ExitTwo()
    {
        Assert.Equal(2, Run().Code);
        Assert.Equal(2, Run("check", TestData.FixturePath("xdp_pass")).Code);           // no --kernel
        Assert.Equal(2, Run("frobnicate").Code);
        Assert.Equal(2, Run("inspect", TestData.FixturePath("xdp_pass"), "--formt", "json").Code); // typo is not ignored
        Assert.Equal(2, Run("check", "/nonexistent.o", "--kernel", Kernel72).Code);
    }

    [Fact]
    public void Inspect_Json_ListsKfuncsKsymsKconfigAndHelpers()
    {
        var (code, output, err) = Run("inspect", TestData.FixturePath("kfunc_guard_spilled"), "--format", "json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var p = doc.RootElement.GetProperty("programs")[0];
        Assert.Equal("weak_guard_spilled", p.GetProperty("name").GetString());
        var k = p.GetProperty("kfuncs")[0];
        Assert.True(k.GetProperty("weak").GetBoolean());
        Assert.True(p.GetProperty("helpers").GetArrayLength() >= 1);
        Assert.DoesNotContain("helper#", p.GetProperty("helpers")[0].GetString());

        var (_, kc, _) = Run("inspect", TestData.FixturePath("kconfig_externs"), "--format", "json");
        using var kdoc = JsonDocument.Parse(kc);
        Assert.Contains(kdoc.RootElement.GetProperty("programs")[0].GetProperty("kconfig").EnumerateArray(), e => e.GetString() == "LINUX_KERNEL_VERSION");
    }

    [Fact]
    public void Inspect_ListsRequirements_InJsonAndText_KeepingTheExistingFields()
    {
        var asm = Path.Combine(TestPaths.Fixtures, "asm", "ops.bpfel.o");
        var (code, output, err) = Run("inspect", asm, "--format", "json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var p = doc.RootElement.GetProperty("programs")[0];
        foreach (var field in new[] { "name", "section", "type", "attachType", "attachTarget", "autoLoad", "insns", "kfuncs", "ksyms", "kconfig", "helpers" })
            Assert.True(p.TryGetProperty(field, out _), field);
        var r = p.GetProperty("requirements");
        Assert.Equal("BPF_PROG_TYPE_TRACEPOINT", r.GetProperty("programTypeEnum").GetString());
        Assert.Equal("v3", r.GetProperty("isa").GetProperty("cpu").GetString());
        Assert.Contains(r.GetProperty("isa").GetProperty("features").EnumerateArray(),
            f => f.GetProperty("what").GetString() == "jmp32 (cpu v3)" && f.GetProperty("since").GetString() == "5.1");
        Assert.Contains(r.GetProperty("helpers").EnumerateArray(), h => h.GetProperty("name").GetString() == "bpf_ktime_get_ns" && h.GetProperty("id").GetInt32() == 5);
        Assert.Equal("hash", r.GetProperty("maps")[0].GetProperty("type").GetString());
        var unlock = r.GetProperty("kfuncs").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "bpf_rcu_read_unlock");
        Assert.True(unlock.GetProperty("weak").GetBoolean() && unlock.GetProperty("guarded").GetBoolean());
        Assert.Equal("counters", doc.RootElement.GetProperty("mapTypes")[0].GetProperty("name").GetString());

        var (textCode, text, _) = Run("inspect", asm);
        Assert.Equal(0, textCode);
        Assert.Contains("  needs helpers: bpf_map_lookup_elem (1), bpf_map_update_elem (2), bpf_ktime_get_ns (5)\n", text);
        Assert.Contains("  needs kfunc bpf_rcu_read_unlock: weak, guarded\n", text);
        Assert.Contains("  isa: cpu v3; ", text);
        Assert.Contains("  needs program type BPF_PROG_TYPE_SOCKET_FILTER\n  isa: cpu v1\n", text);
    }

    [Fact]
    public void Check_MinimumKernel_AddsTheSection_InEveryFormat_AndNothingWithoutTheOption()
    {
        var obj = TestData.FixturePath("ksym_exists_present");
        var k612 = TestData.FixtureKernelDir("debian-6.12.117+deb13-amd64");
        var (code, json, err) = Run("check", obj, "--kernel", Kernel72, "--kernel", Kernel61, "--kernel", k612, "--format", "json", "--minimum-kernel");
        Assert.True(code == 1, err); // fails on 6.1
        using var doc = JsonDocument.Parse(json);
        var program = doc.RootElement.GetProperty("minimumKernels")[0];
        Assert.Equal("ksym_exists_present", program.GetProperty("program").GetString());
        var stream = program.GetProperty("streams")[0];
        Assert.Equal(("debian", "amd64", "amd64"), (stream.GetProperty("distro").GetString(), stream.GetProperty("arch").GetString(), stream.GetProperty("flavour").GetString()));
        Assert.Equal("6.12.117+deb13-amd64", stream.GetProperty("oldestLoads").GetProperty("release").GetString());
        var before = stream.GetProperty("before");
        Assert.Equal(("6.1.0-47-amd64", "fails"), (before.GetProperty("release").GetString(), before.GetProperty("verdict").GetString()));
        Assert.Equal(ReasonCodes.KsymExistsUnsupported, before.GetProperty("needs")[0].GetProperty("code").GetString());

        var (_, plain, _) = Run("check", obj, "--kernel", Kernel72, "--kernel", Kernel61, "--format", "json");
        Assert.DoesNotContain("minimumKernels", plain);
        var (_, text, _) = Run("check", obj, "--kernel", Kernel72, "--kernel", Kernel61, "--kernel", k612, "--minimum-kernel");
        Assert.Contains("    debian · amd64 · amd64               loads from 6.12.117+deb13-amd64; 6.1.0-47-amd64: fails, bpf_ksym_exists(`bpf_kfunc_call_test_release`) needs Linux ≥ 6.4\n", text);
        var (_, md, _) = Run("check", obj, "--kernel", Kernel72, "--kernel", Kernel61, "--kernel", k612, "--format", "markdown", "--minimum-kernel");
        var (_, mdPlain, _) = Run("check", obj, "--kernel", Kernel72, "--kernel", Kernel61, "--kernel", k612, "--format", "markdown");
        Assert.StartsWith(mdPlain, md);
        Assert.Contains("| ksym_exists_present.bpfel.o | ksym_exists_present | debian · amd64 · amd64 | 6.12.117+deb13-amd64 | 6.1.0-47-amd64: fails, ", md);
    }

    [CorpusFact]
    public void Check_MinimumKernel_NamesTheMissingHelper_OfARealProgram()
    {
        var obj = Path.Combine(TestPaths.Corpus, "objects", "xdp-tools", "sid", "usr", "sbin", "xdp-bench@0x2d0e0.bpf.o");
        var (_, json, err) = Run("check", obj, "--kernel", TestData.CorpusKernelDir("debian-5.10.0-46-amd64"),
            "--kernel", TestData.CorpusKernelDir("debian-6.1.0-56-amd64"), "--format", "json", "--minimum-kernel");
        using var doc = JsonDocument.Parse(json);
        var program = doc.RootElement.GetProperty("minimumKernels").EnumerateArray()
            .Single(p => p.GetProperty("program").GetString() == "xdp_redirect_load_bytes_prog");
        var stream = program.GetProperty("streams").EnumerateArray().Single();
        Assert.True(stream.GetProperty("oldestLoads").ValueKind == JsonValueKind.Object, err + stream);
        Assert.Equal("6.1.0-56-amd64", stream.GetProperty("oldestLoads").GetProperty("release").GetString());
        Assert.Contains(stream.GetProperty("before").GetProperty("needs").EnumerateArray(),
            n => n.GetProperty("text").GetString() == "needs `bpf_xdp_load_bytes` (helper 189)");
    }

    [Fact]
    public void Relocate_Json_ListsFixupsAndHexInstructions()
    {
        var (code, output, err) = Run("relocate", TestData.FixturePath("kfunc_weak_missing_guarded"), "--kernel", Kernel72, "--program", "weak_missing_guarded", "--format", "json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var fixups = doc.RootElement.GetProperty("fixups");
        var kinds = fixups.EnumerateArray().Select(f => f.GetProperty("kind").GetString()!).Order().ToArray();
        Assert.Equal(["poison-call", "zero-ldimm64"], kinds);
        foreach (var f in fixups.EnumerateArray())
            foreach (var field in new[] { "insn", "kind", "symbol", "btfId", "module", "imm", "src", "off" })
                Assert.True(f.TryGetProperty(field, out _), field);
        Assert.All(doc.RootElement.GetProperty("instructions").EnumerateArray(), i => Assert.Equal(16, i.GetString()!.Length));
    }

    [CorpusFact]
    public void Kernel_Json_KfuncList_EqualsKfuncsTxt_ForEveryCorpusKernel()
    {
        foreach (var dir in TestData.CorpusKernelDirs())
        {
            var path = TestData.CorpusKernelDir(dir);
            var (code, output, err) = Run("kernel", path, "--format", "json");
            Assert.True(code == 0, err);
            using var doc = JsonDocument.Parse(output);
            var listed = doc.RootElement.GetProperty("kfuncs").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray();
            var expected = File.ReadAllLines(Path.Combine(path, "kfuncs.txt")).Select(l => l.Trim()).Where(l => l.Length > 0)
                .Distinct().Order(StringComparer.Ordinal).ToArray();
            Assert.True(expected.SequenceEqual(listed), $"{dir}: kfuncs differ: -{string.Join(",", expected.Except(listed))} +{string.Join(",", listed.Except(expected))}");
            Assert.Equal(expected.Length > 0, doc.RootElement.GetProperty("hasKfuncTags").GetBoolean());
            Assert.True(doc.RootElement.GetProperty("types").GetInt32() > 10000);
            Assert.True(doc.RootElement.GetProperty("functions").GetInt32() > 1000);
        }
    }

    /// <summary>The kernel's BPF enums in `compat kernel --format json`: 5.10 lacks bpf_xdp_load_bytes (189) and syscall programs; 7.2 has both and bpf_features.</summary>
    [CorpusFact]
    public void Kernel_Json_ListsTheKernelsOwnEnums()
    {
        string[] Names(JsonElement root, string field) => root.GetProperty(field).EnumerateArray().Select(e => e.GetProperty("name").GetString()!).ToArray();
        var (code, output, err) = Run("kernel", TestData.CorpusKernelDir("debian-5.10.0-46-amd64"), "--format", "json");
        Assert.True(code == 0, err);
        using (var doc = JsonDocument.Parse(output))
        {
            var root = doc.RootElement;
            Assert.Contains("bpf_redirect_peer", Names(root, "helpers"));
            Assert.DoesNotContain("bpf_xdp_load_bytes", Names(root, "helpers"));
            Assert.Equal(155, root.GetProperty("helpers").EnumerateArray().Max(e => e.GetProperty("id").GetInt64()));
            Assert.DoesNotContain("syscall", Names(root, "programTypes"));
            Assert.Contains("ringbuf", Names(root, "mapTypes"));
            Assert.Contains("trace_fentry", Names(root, "attachTypes"));
            Assert.Equal(JsonValueKind.Null, root.GetProperty("features").ValueKind);
        }
        (code, output, err) = Run("kernel", TestData.CorpusKernelDir("debian-7.2.13+deb14-amd64"), "--format", "json");
        Assert.True(code == 0, err);
        using var doc72 = JsonDocument.Parse(output);
        Assert.Contains("bpf_xdp_load_bytes", Names(doc72.RootElement, "helpers"));
        Assert.Contains("syscall", Names(doc72.RootElement, "programTypes"));
        Assert.Contains("arena", Names(doc72.RootElement, "mapTypes"));
        Assert.Contains("tcx", Names(doc72.RootElement, "linkTypes"));
        Assert.Contains("streams", Names(doc72.RootElement, "features"));
    }
}
