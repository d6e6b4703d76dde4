using CompatService.Tests.Shared;
using CompatService.Engine;
using CompatService.Engine.Analysis;
using CompatService.Loader.Loading;
using CompatService.Loader.Syscalls;
using Xunit.Abstractions;

namespace CompatService.Loader.Tests.Loading;

/// <summary>
/// struct_ops for real on this host (root): the tcp_congestion_ops fixture's programs load with prog type STRUCT_OPS,
/// attach_btf_id = the kernel's struct and expected_attach_type = the member index; the map is created with the
/// kernel's `bpf_struct_ops_tcp_congestion_ops` value type and, all its programs loaded, the kernel accepts the value
/// (registers the congestion control; the loader unregisters it again). Each verdict equals the real load.
/// </summary>
public class StructOpsLoadTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(TestPaths.Fixtures, "bpf", name + ".bpfel.o");

    [BpfFact]
    public void TcpCongestionOps_EveryProgramLoadsAsPredicted_AndTheKernelAcceptsTheValue()
    {
        var session = Host.Session;
        var obj = CompatEngine.OpenObject(File.ReadAllBytes(Fixture("struct_ops_tcp_cc")));
        var verdicts = CompatEngine.Check(obj, session.Kernel, "host");
        using var loaded = new ObjectLoader(session.Bpf).Load(obj, session.LoadTarget(),
            new LoadOptions { ObjectName = "struct_ops_tcp_cc", Programs = obj.Programs.Select(p => p.Name).ToHashSet() });
        for (var i = 0; i < obj.Programs.Count; i++)
        {
            var o = loaded.Programs.Single(x => x.Program == obj.Programs[i].Name);
            output.WriteLine($"{o.Program}: predicted {verdicts[i].Verdict}, loaded {o.Loaded} {o.Message}");
            Assert.Equal(verdicts[i].Verdict == Verdict.Loads, o.Loaded);
        }
        Assert.True(loaded.Programs.Single(p => p.Program == "compat_undo_cwnd").Loaded);
        var unused = loaded.Programs.Single(p => p.Program == "compat_unused");
        Assert.Equal(Errno.EINVAL, unused.Errno);
        Assert.Contains("isn't referenced anywhere", unused.Message);
        var registration = Assert.Single(loaded.StructOps);
        output.WriteLine(registration.Message);
        Assert.True(registration.Accepted, registration.Message);
        Assert.Contains("unregistered again", registration.Message);
        Assert.DoesNotContain("compat_cc", File.ReadAllText("/proc/sys/net/ipv4/tcp_available_congestion_control"));
    }

    /// <summary>One program alone (how the lab loads): it loads; the map, missing the others, is created but not written.</summary>
    [BpfFact]
    public void OneProgramAlone_Loads_TheMapIsLeftUnwritten()
    {
        var session = Host.Session;
        var obj = CompatEngine.OpenObject(File.ReadAllBytes(Fixture("struct_ops_tcp_cc")));
        using var loaded = new ObjectLoader(session.Bpf).Load(obj, session.LoadTarget(),
            new LoadOptions { ObjectName = "struct_ops_tcp_cc", Programs = new HashSet<string> { "compat_cong_avoid" } });
        Assert.True(Assert.Single(loaded.Programs).Loaded);
        var registration = Assert.Single(loaded.StructOps);
        Assert.False(registration.Attempted);
        Assert.Empty(loaded.Warnings);
        Assert.True(loaded.Maps.ContainsKey("compat_cc"));
    }

    /// <summary>A member the kernel lacks, set non-zero: refused before the kernel is asked, as libbpf and the engine say.</summary>
    [BpfFact]
    public void MemberMissingInTheKernel_FailsTheObject_AsPredicted()
    {
        var session = Host.Session;
        var obj = CompatEngine.OpenObject(File.ReadAllBytes(Fixture("struct_ops_member_missing")));
        var verdicts = CompatEngine.Check(obj, session.Kernel, "host");
        using var loaded = new ObjectLoader(session.Bpf).Load(obj, session.LoadTarget(),
            new LoadOptions { ObjectName = "struct_ops_member_missing", Programs = obj.Programs.Select(p => p.Name).ToHashSet() });
        Assert.All(verdicts, v => Assert.Contains(v.Reasons, r => r.Code == ReasonCodes.StructOpsMemberMismatch));
        Assert.All(loaded.Programs, p =>
        {
            Assert.False(p.Loaded);
            Assert.Equal("struct_ops init_kern compat_mm: Cannot find member compat_no_such_member in kernel BTF", p.Message);
        });
    }
}
