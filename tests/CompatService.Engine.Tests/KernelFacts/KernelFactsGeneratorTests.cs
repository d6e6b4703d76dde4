using System.Text;
using CompatService.Engine.KernelFacts;
using CompatService.KernelFacts.Generator;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.KernelFacts;

/// <summary>
/// The generator on a committed slice of real Linux 6.1 source (tests/fixtures/kernel-src/6.1), compared with committed
/// expectations, and the embedded tables against the same slice: if the generator's reading of the source drifts, these fail.
/// After an intended change: UPDATE_GOLDEN=1 dotnet test tests/CompatService.Engine.Tests --filter KernelFactsGenerator
/// </summary>
public sealed class KernelFactsGeneratorTests
{
    private static readonly string Slice = Path.Combine(TestPaths.Fixtures, "kernel-src", "6.1");
    private static readonly KernelFactsSource SliceSource =
        new("linux-source-6.1", "6.1.192-3", "5259c57ca92092da39bd2ea803046da0e3c28f2b6a11ea20f6297468188ceb67", "bookworm");

    private static KernelFactsTable Generate() => FactsBuilder.Build(Slice, "6.1", SliceSource);

    [Fact]
    public void Generator_OnTheCommittedSlice_MatchesTheExpectation()
    {
        var json = Encoding.UTF8.GetString(KernelFactsJson.Write(Generate(), gzip: false)).ReplaceLineEndings("\n") + "\n";
        var expected = Path.Combine(TestPaths.Fixtures, "kernel-src", "6.1.expected.json");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1") File.WriteAllText(expected, json);
        Assert.True(File.Exists(expected), "expectation missing: run with UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(expected), json);
    }

    [Fact]
    public void Generator_ReadsKfuncSetsFlagsConditionsAndRegistrations()
    {
        var t = Generate();
        var ct = t.KfuncSets.Single(s => s.Id == "net/netfilter/nf_conntrack_bpf.c:nf_ct_kfunc_set");
        Assert.Contains(ct.Kfuncs, k => k is { Name: "bpf_ct_insert_entry", Flags: "KF_ACQUIRE|KF_RET_NULL|KF_RELEASE" });
        Assert.Contains(ct.Kfuncs, k => k is { Name: "bpf_ct_set_timeout", Flags: "KF_TRUSTED_ARGS" });
        Assert.Equal(["sched_cls", "xdp"], t.Registrations.Where(r => r.SetId == ct.Id).Select(r => r.ProgramType).Order().ToArray());
        var tracing = t.KfuncSets.Single(s => s.Id == "kernel/bpf/helpers.c:tracing_btf_ids");
        Assert.Equal(new KfuncFact("crash_kexec", "KF_DESTRUCTIVE", "CONFIG_KEXEC_CORE"), Assert.Single(tracing.Kfuncs));
        Assert.Equal("tracing", t.Registrations.Single(r => r.SetId == tracing.Id).ProgramType);
    }

    [Fact]
    public void Generator_FollowsFuncProtoChains_WithTheirConditions()
    {
        var t = Generate();
        Assert.Equal("map_lookup_elem", t.Helpers[1]);
        Assert.Equal("cgroup_dev_func_proto", t.ProgramTypes.Single(p => p.Name == "cgroup_device").FuncProto);
        var sysctl = t.ProgramTypes.Single(p => p.Name == "cgroup_sysctl").Helpers.ToDictionary(h => h.Name);
        // its own switch, then cgroup_common / cgroup_current, then bpf_base_func_proto (helpers.c)
        Assert.True(sysctl["sysctl_get_name"].Unconditional);
        Assert.True(sysctl["get_current_pid_tgid"].Unconditional);
        Assert.True(sysctl["map_lookup_elem"].Unconditional);
        Assert.Equal([["CAP_BPF"]], sysctl["spin_lock"].Alternatives);
        Assert.Equal([["CAP_BPF", "CAP_PERFMON"]], sysctl["get_current_task"].Alternatives);
        Assert.False(sysctl.ContainsKey("skb_load_bytes"));
        // get_retval: a nested switch on the attach type decides
        var sockopt = t.ProgramTypes.Single(p => p.Name == "cgroup_sockopt").Helpers.ToDictionary(h => h.Name);
        Assert.Contains(sockopt["get_retval"].Alternatives, a => a.Single().StartsWith("attach_type not in (", StringComparison.Ordinal));
    }

    /// <summary>The embedded 6.1 table was generated from the full tree of the same package: the slice's facts are in it unchanged.</summary>
    [Fact]
    public void EmbeddedTable_AgreesWithTheSlice()
    {
        var slice = Generate();
        var embedded = KernelFactsCatalog.Tables.Single(t => t.Version == "6.1");
        Assert.Equal(SliceSource, embedded.Source);
        foreach (var set in slice.KfuncSets) Assert.Equal(set.Kfuncs, embedded.KfuncSets.Single(s => s.Id == set.Id).Kfuncs);
        foreach (var r in slice.Registrations) Assert.Contains(r, embedded.Registrations);
        Assert.Equal(slice.Helpers, embedded.Helpers);
        foreach (var p in slice.ProgramTypes)
        {
            var full = embedded.ProgramTypes.Single(x => x.Name == p.Name);
            Assert.Equal(p.FuncProto, full.FuncProto);
            Assert.Equal(p.Helpers.Select(h => h.Name), full.Helpers.Select(h => h.Name));
        }
    }
}
