using CompatService.Engine.Analysis;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>What each program needs (`compat inspect`'s requirements), read from real clang-built objects in both byte orders.</summary>
public sealed class ProgramRequirementsTests
{
    private static BpfObject Asm(string name, string endian) =>
        BpfObject.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "asm", $"{name}.{endian}.o")));

    private static ProgramRequirements Of(BpfObject obj, string program) =>
        RequirementExtractor.Of(obj.Programs.Single(p => p.Name == program));

    [Theory, InlineData("bpfel"), InlineData("bpfeb")]
    public void CpuV3Object_NeedsJmp32AndAtomics_HelpersWithIds_MapsAndGuardedKfuncs(string endian)
    {
        var obj = Asm("ops", endian);
        var r = Of(obj, "ops_main");
        Assert.Equal("tracepoint", r.ProgramType);
        Assert.Equal("BPF_PROG_TYPE_TRACEPOINT", r.ProgramTypeEnum);
        Assert.Equal(3, r.Isa.Cpu);
        var features = r.Isa.Features.ToDictionary(f => f.What, f => f.Since);
        Assert.Equal(new Version(5, 12), features[RequirementExtractor.AtomicsFeature]);
        Assert.Equal(new Version(5, 1), features["jmp32 (cpu v3)"]);
        Assert.DoesNotContain(features.Keys, k => k.Contains("cpu v4", StringComparison.Ordinal));
        Assert.Equal([(1, "bpf_map_lookup_elem"), (2, "bpf_map_update_elem"), (5, "bpf_ktime_get_ns")],
            r.Helpers.Select(h => (h.Id, h.Name)).ToArray());
        Assert.All(r.Helpers, h => Assert.All(h.CallSites, i => Assert.Equal(h.Id, obj.Programs[0].Instructions[i].Imm)));
        Assert.Equal([("counters", "hash", 1u)], r.Maps.Select(m => (m.Name, m.Type, m.TypeId)).ToArray());
        Assert.Equal([("bpf_rcu_read_lock", false, false), ("bpf_rcu_read_unlock", true, true)],
            r.Kfuncs.Select(k => (k.Name, k.Weak, k.Guarded)).ToArray());

        var skb = Of(obj, "ops_skb");
        Assert.Equal(1, skb.Isa.Cpu);
        Assert.Empty(skb.Isa.Features);
        Assert.Empty(skb.Maps);
        Assert.Equal([("counters", "hash", 1u)], RequirementExtractor.ObjectMaps(obj).Select(m => (m.Name, m.Type, m.TypeId)).ToArray());
    }

    [Theory, InlineData("bpfel"), InlineData("bpfeb")]
    public void CpuV4Object_NeedsEveryV4Instruction_FromLinux66(string endian)
    {
        var r = Of(Asm("cpuv4", endian), "v4_main");
        Assert.Equal(4, r.Isa.Cpu);
        Assert.Equal("BPF_XDP", r.AttachTypeEnum);
        var v4 = r.Isa.Features.Where(f => f.What.Contains("cpu v4", StringComparison.Ordinal)).ToArray();
        foreach (var what in new[] { "ldsx", "sdiv / smod", "movsx", "bswap", "gotol" })
            Assert.Contains(v4, f => f.What.StartsWith(what, StringComparison.Ordinal) && f.Since == new Version(6, 6));
        Assert.Equal(r.Isa.Features.OrderBy(f => f.FirstInsn).Select(f => f.What), r.Isa.Features.Select(f => f.What));
    }

    [Theory, InlineData("bpfel"), InlineData("bpfeb")]
    public void Externs_WeakStrongTypedAndGuarded(string endian)
    {
        // both kfuncs of `if (bpf_ksym_exists(a) && bpf_ksym_exists(b))` are guarded
        Assert.All(Of(TestData.Fixture("kfunc_and_guard", endian), "and_guard").Kfuncs, k => Assert.True(k.Weak && k.Guarded, k.Name));
        var unguarded = Of(TestData.Fixture("kfunc_weak_missing_unguarded", endian), "weak_missing_unguarded").Kfuncs.Single();
        Assert.True(unguarded.Weak);
        Assert.False(unguarded.Guarded);

        var weakKsym = Of(TestData.Fixture("ksym_typed_weak_missing", endian), "typed_ksym_weak_missing").Ksyms.Single();
        Assert.Equal(("bpf_compat_no_such_var", true, true, true), (weakKsym.Name, weakKsym.Weak, weakKsym.Typed, weakKsym.Guarded));
        var strongKsym = Of(TestData.Fixture("ksym_typed_present", endian), "typed_ksym_present");
        Assert.Equal(("bpf_prog_active", false, true, false), (strongKsym.Ksyms[0].Name, strongKsym.Ksyms[0].Weak, strongKsym.Ksyms[0].Typed, strongKsym.Ksyms[0].Guarded));
        Assert.Equal("BPF_PROG_TYPE_SYSCALL", strongKsym.ProgramTypeEnum);
        Assert.Null(strongKsym.AttachType);
        Assert.Equal([(154, "bpf_this_cpu_ptr")], strongKsym.Helpers.Select(h => (h.Id, h.Name)).ToArray());
    }

    [Fact]
    public void Inspect_CarriesTheRequirementsOfEveryProgram_AndTheObjectsMaps()
    {
        var s = CompatEngine.Inspect(TestData.Fixture("socket_filter_map"));
        var p = Assert.Single(s.Programs);
        Assert.NotNull(p.Requirements);
        Assert.Equal([("packet_counts", "array")], p.Requirements!.Maps.Select(m => (m.Name, m.Type)).ToArray());
        Assert.Equal([("packet_counts", "array")], s.MapTypes.Select(m => (m.Name, m.Type)).ToArray());
        // helper names in the summary and ids in the requirements agree
        Assert.Equal(p.Helpers, p.Requirements.Helpers.Select(h => h.Name));
    }
}
