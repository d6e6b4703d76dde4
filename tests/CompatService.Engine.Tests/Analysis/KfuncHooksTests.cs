using CompatService.Engine.Analysis;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Analysis;

/// <summary>The kernel's enum btf_kfunc_hook, read from its BTF, decides which program types may call kfuncs at all (before 6.2).</summary>
public sealed class KfuncHooksTests
{
    private static Kernels.KernelBtfSet Kernel(string dir) => TestData.Kernel(TestData.FixtureKernelDir(dir)).Btf;

    [Fact]
    public void Debian61_HasNoCommonHook_OnlyXdpTcStructOpsTracingSyscall()
    {
        var hooks = KfuncHooks.Of(Kernel("debian-6.1.0-47-amd64"))!;
        Assert.Equal(["STRUCT_OPS", "SYSCALL", "TC", "TRACING", "XDP"], hooks.Hooks.Order(StringComparer.Ordinal));
        Assert.False(hooks.HasCommon);
        foreach (var allowed in new[] { "xdp", "sched_cls", "struct_ops", "tracing", "lsm", "syscall", "ext" })
            Assert.False(hooks.RefusesEveryKfuncFrom(allowed), allowed);
        foreach (var refused in new[] { "socket_filter", "kprobe", "tracepoint", "cgroup_skb", "sched_act", "sk_skb", "lwt_in", "perf_event" })
            Assert.True(hooks.RefusesEveryKfuncFrom(refused), refused);
    }

    [Theory]
    [InlineData("debian-6.12.117+deb13-amd64")]
    [InlineData("debian-7.2.13+deb14-amd64")]
    public void CommonHookKernels_RefuseNoProgramTypeOutright(string dir)
    {
        var hooks = KfuncHooks.Of(Kernel(dir))!;
        Assert.True(hooks.HasCommon);
        Assert.Contains("KPROBE", hooks.Hooks);
        Assert.False(hooks.RefusesEveryKfuncFrom("socket_filter"));
        Assert.False(hooks.RefusesEveryKfuncFrom("kprobe"));
    }

    [Theory]
    [InlineData("bpfel")]
    [InlineData("bpfeb")]
    public void SameKfunc_TcMayCall_SocketFilterMayNot_On61(string endian)
    {
        var obj = TestData.Fixture("kfunc_prog_type", endian);
        var results = CompatEngine.Check(obj, Kernel("debian-6.1.0-47-amd64"), "6.1");
        var tc = results[obj.Programs.ToList().FindIndex(p => p.Name == "pass_ctx_tc")];
        var socket = results[obj.Programs.ToList().FindIndex(p => p.Name == "pass_ctx_socket")];
        Assert.Equal(Verdict.Loads, tc.Verdict);
        Assert.Equal(Verdict.Fails, socket.Verdict);
        var reason = Assert.Single(socket.Reasons, r => r.Code == ReasonCodes.KfuncNotAllowed);
        Assert.Equal("bpf_kfunc_call_test_pass_ctx", reason.Symbol);
        Assert.Equal(0, reason.Insn);
        Assert.Contains("calling kernel function bpf_kfunc_call_test_pass_ctx is not allowed", reason.Message);
    }
}
