using System.Text.Json;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Btf;

/// <summary>Real kernel BTF: every corpus kernel (x86 and arm64, 6.1 … 7.2) and the committed fixtures agree with info.json and kfuncs.txt.</summary>
public sealed class KernelBtfCorpusTests
{
    private static readonly Dictionary<string, BtfKind> KindNames = new(StringComparer.Ordinal)
    {
        ["INT"] = BtfKind.Int, ["PTR"] = BtfKind.Ptr, ["ARRAY"] = BtfKind.Array, ["STRUCT"] = BtfKind.Struct, ["UNION"] = BtfKind.Union,
        ["ENUM"] = BtfKind.Enum, ["FWD"] = BtfKind.Fwd, ["TYPEDEF"] = BtfKind.Typedef, ["VOLATILE"] = BtfKind.Volatile,
        ["CONST"] = BtfKind.Const, ["RESTRICT"] = BtfKind.Restrict, ["FUNC"] = BtfKind.Func, ["FUNC_PROTO"] = BtfKind.FuncProto,
        ["VAR"] = BtfKind.Var, ["DATASEC"] = BtfKind.Datasec, ["FLOAT"] = BtfKind.Float, ["DECL_TAG"] = BtfKind.DeclTag,
        ["TYPE_TAG"] = BtfKind.TypeTag, ["ENUM64"] = BtfKind.Enum64,
    };

    [CorpusTheory]
    [MemberData(nameof(BtfTestData.CorpusKernels), MemberType = typeof(BtfTestData))]
    public void CorpusKernel_ParsesAndMatchesInfoAndKfuncList(string kernel) => AssertKernel(BtfTestData.CorpusKernelDir(kernel));

    [Theory]
    [MemberData(nameof(BtfTestData.FixtureKernelNames), MemberType = typeof(BtfTestData))]
    public void FixtureKernel_ParsesAndMatchesInfoAndKfuncList(string kernel) => AssertKernel(BtfTestData.FixtureDir(kernel));

    private static void AssertKernel(string dir)
    {
        var raw = BtfTestData.RawVmlinux(dir);
        var spec = BtfSpec.Parse(raw);
        using var info = BtfTestData.Info(dir);
        var btf = info.RootElement.GetProperty("btf");

        Assert.Equal(1u, spec.FirstTypeId);
        Assert.Equal(btf.GetProperty("nr_types").GetInt32(), spec.TypeCount);
        Assert.Equal((uint)btf.GetProperty("nr_types").GetInt32(), spec.LastTypeId);
        var counts = spec.KindCounts();
        foreach (var kc in btf.GetProperty("kind_counts").EnumerateObject())
            Assert.True(counts.TryGetValue(KindNames[kc.Name], out var n) && n == kc.Value.GetInt32(), $"{kc.Name}: expected {kc.Value}, got {n}");
        Assert.Equal(btf.GetProperty("func_count").GetInt32(), spec.Funcs().Count);
        Assert.Equal(info.RootElement.GetProperty("btf_sha256").GetString(), KernelBtfReader.Sha256(raw));

        // bpf_kfunc tags: exactly kfuncs.txt (empty for untagged kernels, which then have no such tag at all).
        var expected = BtfTestData.Lines(Path.Combine(dir, "kfuncs.txt")).Order(StringComparer.Ordinal).ToArray();
        var tagged = spec.FuncsWithDeclTag(KfuncTags.Kfunc).Select(id => spec.NameOf(id)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, tagged);
        Assert.Equal(expected.Length > 0, spec.HasDeclTag(KfuncTags.Kfunc));
        foreach (var id in spec.FuncsWithDeclTag(KfuncTags.Kfunc))
        {
            Assert.Equal(BtfKind.Func, spec.KindOf(id));
            Assert.Contains(KfuncTags.Kfunc, spec.DeclTagsOf(id));
            Assert.Equal(id, spec.FindFunc(spec.NameOf(id)));
        }
        if (btf.TryGetProperty("bpf_fastcall_funcs", out var fastcall))
        {
            var fast = spec.FuncsWithDeclTag(KfuncTags.Fastcall).Select(id => spec.NameOf(id)).Order(StringComparer.Ordinal);
            Assert.Equal(fastcall.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal), fast);
        }

        // Modules: split BTF whose ids continue after the vmlinux and whose kfunc tags match info.json.
        var modules = info.RootElement.TryGetProperty("modules", out var m) ? m.EnumerateArray().ToArray() : [];
        foreach (var module in modules)
        {
            var file = Path.Combine(dir, module.GetProperty("btf_file").GetString()!);
            if (!File.Exists(file)) continue; // fixtures carry nf_conntrack only
            var mspec = BtfSpec.Parse(BtfTestData.Gunzip(file), spec);
            var mbtf = module.GetProperty("btf");
            Assert.Same(spec, mspec.Base);
            Assert.Equal((uint)mbtf.GetProperty("first_type_id").GetInt32(), mspec.FirstTypeId);
            Assert.Equal(mbtf.GetProperty("nr_types").GetInt32(), mspec.TypeCount);
            var mk = mspec.FuncsWithDeclTag(KfuncTags.Kfunc).Select(id => mspec.NameOf(id)).Order(StringComparer.Ordinal);
            Assert.Equal(module.GetProperty("kfuncs").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal), mk);
            mspec.Validate();
        }
    }

    [Theory]
    [MemberData(nameof(BtfTestData.FixtureKernelNames), MemberType = typeof(BtfTestData))]
    public void FixtureKernel_EveryTypeDecodes(string kernel)
    {
        var spec = BtfSpec.Parse(BtfTestData.RawVmlinux(BtfTestData.FixtureDir(kernel)));
        spec.Validate();
        Assert.IsType<BtfComposite>(spec.GetType(spec.FindFirstOfKind("task_struct", BtfKind.Struct)!.Value));
    }

    [Fact]
    public void ModuleSplitBtf_ResolvesBaseIdsAndOwnTypes()
    {
        var dir = BtfTestData.FixtureDir(BtfTestData.Fixture72);
        var vmlinux = BtfSpec.Parse(BtfTestData.RawVmlinux(dir));
        var module = BtfSpec.Parse(BtfTestData.Gunzip(Path.Combine(dir, "modules", "nf_conntrack.btf.gz")), vmlinux, ".BTF nf_conntrack");

        Assert.Equal(vmlinux.LastTypeId + 1, module.FirstTypeId);
        var lookup = module.FindFunc("bpf_xdp_ct_lookup");
        Assert.NotNull(lookup);
        Assert.True(lookup!.Value.Value >= module.FirstTypeId);
        Assert.Null(vmlinux.FindFunc("bpf_xdp_ct_lookup"));
        Assert.Null(module.FindFunc("bpf_task_acquire")); // own types only
        Assert.NotEmpty(module.FindByName("sk_buff", includeBase: true));
        Assert.Contains(KfuncTags.Kfunc, module.DeclTagsOf(lookup.Value));

        // The prototype refers to vmlinux types (struct xdp_md lives in the base) through ids below FirstTypeId.
        var text = BtfFormatter.FormatFunc(module, lookup.Value);
        Assert.StartsWith("struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *", text);
        var proto = (BtfFuncProto)module.GetType(((BtfFunc)module.GetType(lookup.Value)).Proto);
        var ctxPtr = (BtfPtr)module.GetType(proto.Parameters[0].Type);
        Assert.True(ctxPtr.Target.Value < module.FirstTypeId);
        Assert.Same(vmlinux.GetType(ctxPtr.Target), module.GetType(ctxPtr.Target));
    }

    [Fact]
    public void KernelDirectory_LoadsFixtureWithReleaseModulesAndKfuncFlags()
    {
        var kernel = KernelDirectory.Load(BtfTestData.FixtureDir(BtfTestData.Fixture61));
        Assert.Equal("6.1.0-47-amd64", kernel.Release);
        Assert.Equal("amd64", kernel.Arch);
        Assert.Equal(BtfTestData.Fixture61, kernel.Name);
        Assert.Equal("465bdfeb99080d0314d51da1f677d9b0555d88a86731260a7c8e2eec92bef4d5", kernel.Btf.BtfSha256);
        Assert.False(kernel.Btf.HasKfuncTags);
        var module = Assert.Single(kernel.Btf.Modules);
        Assert.Equal("nf_conntrack", module.Name);
        Assert.NotNull(module.Spec.FindFunc("bpf_xdp_ct_lookup"));
        Assert.NotNull(kernel.Btf.KfuncFlags);
        Assert.Equal(BtfTestData.Lines(Path.Combine(BtfTestData.FixtureDir(BtfTestData.Fixture61), "kfuncs-btf_ids.txt")).Length, kernel.Btf.KfuncFlags!.Count);
        Assert.Equal(0x25u, kernel.Btf.KfuncFlags["bpf_lookup_user_key"]); // KF_ACQUIRE | KF_RET_NULL | KF_SLEEPABLE
    }

    [CorpusFact]
    public void KernelInput_AcceptsCorpusDirectoryGzFileAndRawFile()
    {
        var dir = BtfTestData.CorpusKernelDir("debian-6.12.117+deb13-arm64");
        var fromDir = KernelInput.Load(dir);
        Assert.Equal("6.12.117+deb13-arm64", fromDir.Release);
        Assert.Equal("arm64", fromDir.Arch);
        Assert.Equal(BtfTestData.Lines(Path.Combine(dir, "kfuncs.txt")).Length, fromDir.Btf.Vmlinux.FuncsWithDeclTag(KfuncTags.Kfunc).Count);
        Assert.True(fromDir.Btf.Modules.Count >= 1);

        var fromGz = KernelInput.Load(Path.Combine(dir, "vmlinux.btf.gz"));
        Assert.Equal(fromDir.Btf.BtfSha256, fromGz.Btf.BtfSha256);
        Assert.Null(fromGz.Release);
        Assert.Empty(fromGz.Btf.Modules);
    }
}
