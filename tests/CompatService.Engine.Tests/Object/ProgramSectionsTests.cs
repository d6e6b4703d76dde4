using System.Text.Json;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;

namespace CompatService.Engine.Tests.Object;

public class ProgramSectionsTests
{
    [Theory]
    // name, program type, attach type (null: libbpf leaves 0 unnamed), attach target, sleepable
    [InlineData("socket", "socket_filter", null, null, false)]
    [InlineData("sk_reuseport", "sk_reuseport", "sk_reuseport_select", null, false)]
    [InlineData("sk_reuseport/migrate", "sk_reuseport", "sk_reuseport_select_or_migrate", null, false)]
    [InlineData("kprobe", "kprobe", null, null, false)]
    [InlineData("kprobe/do_unlinkat", "kprobe", null, "do_unlinkat", false)]
    [InlineData("kretprobe/tcp_v4_connect", "kprobe", null, "tcp_v4_connect", false)]
    [InlineData("uprobe/libc.so.6:malloc", "kprobe", null, "libc.so.6:malloc", false)]
    [InlineData("uprobe.s/libc.so.6:malloc", "kprobe", null, "libc.so.6:malloc", true)]
    [InlineData("uretprobe", "kprobe", null, null, false)]
    [InlineData("uretprobe.s/bin:f", "kprobe", null, "bin:f", true)]
    [InlineData("kprobe.multi/tcp_*", "kprobe", "trace_kprobe_multi", "tcp_*", false)]
    [InlineData("kretprobe.multi/vfs_*", "kprobe", "trace_kprobe_multi", "vfs_*", false)]
    [InlineData("kprobe.session/bpf_fentry_test*", "kprobe", "trace_kprobe_session", "bpf_fentry_test*", false)]
    [InlineData("uprobe.multi/bin:f*", "kprobe", "trace_uprobe_multi", "bin:f*", false)]
    [InlineData("uretprobe.multi", "kprobe", "trace_uprobe_multi", null, false)]
    [InlineData("uprobe.multi.s/bin:f", "kprobe", "trace_uprobe_multi", "bin:f", true)]
    [InlineData("uretprobe.multi.s/bin:f", "kprobe", "trace_uprobe_multi", "bin:f", true)]
    [InlineData("uprobe.session/bin:f", "kprobe", "trace_uprobe_session", "bin:f", false)]
    [InlineData("uprobe.session.s/bin:f", "kprobe", "trace_uprobe_session", "bin:f", true)]
    [InlineData("ksyscall/openat", "kprobe", null, "openat", false)]
    [InlineData("kretsyscall/openat", "kprobe", null, "openat", false)]
    [InlineData("usdt/libc.so.6:libc:setjmp", "kprobe", null, "libc.so.6:libc:setjmp", false)]
    [InlineData("usdt.s", "kprobe", null, null, true)]
    [InlineData("tc", "sched_cls", null, null, false)]
    [InlineData("classifier", "sched_cls", null, null, false)]
    [InlineData("action", "sched_act", null, null, false)]
    [InlineData("tc/ingress", "sched_cls", "tcx_ingress", null, false)]
    [InlineData("tc/egress", "sched_cls", "tcx_egress", null, false)]
    [InlineData("tcx/ingress", "sched_cls", "tcx_ingress", null, false)]
    [InlineData("tcx/egress", "sched_cls", "tcx_egress", null, false)]
    [InlineData("netkit/primary", "sched_cls", "netkit_primary", null, false)]
    [InlineData("netkit/peer", "sched_cls", "netkit_peer", null, false)]
    [InlineData("tracepoint/syscalls/sys_enter_openat", "tracepoint", null, "syscalls/sys_enter_openat", false)]
    [InlineData("tp/sched/sched_switch", "tracepoint", null, "sched/sched_switch", false)]
    [InlineData("raw_tracepoint/sched_switch", "raw_tracepoint", null, "sched_switch", false)]
    [InlineData("raw_tp/sys_enter", "raw_tracepoint", null, "sys_enter", false)]
    [InlineData("raw_tracepoint.w/bpf_testmod_test_writable_bare", "raw_tracepoint_writable", null, "bpf_testmod_test_writable_bare", false)]
    [InlineData("raw_tp.w/x", "raw_tracepoint_writable", null, "x", false)]
    [InlineData("tp_btf/sched_switch", "tracing", "trace_raw_tp", "sched_switch", false)]
    [InlineData("fentry/do_unlinkat", "tracing", "trace_fentry", "do_unlinkat", false)]
    [InlineData("fexit/do_unlinkat", "tracing", "trace_fexit", "do_unlinkat", false)]
    [InlineData("fmod_ret/security_file_open", "tracing", "modify_return", "security_file_open", false)]
    [InlineData("fentry.s/do_sys_openat2", "tracing", "trace_fentry", "do_sys_openat2", true)]
    [InlineData("fexit.s/f", "tracing", "trace_fexit", "f", true)]
    [InlineData("fmod_ret.s/f", "tracing", "modify_return", "f", true)]
    [InlineData("fsession/f", "tracing", "trace_fsession", "f", false)]
    [InlineData("freplace/handler", "ext", null, "handler", false)]
    [InlineData("lsm/file_open", "lsm", "lsm_mac", "file_open", false)]
    [InlineData("lsm.s/bprm_committed_creds", "lsm", "lsm_mac", "bprm_committed_creds", true)]
    [InlineData("lsm_cgroup/socket_bind", "lsm", "lsm_cgroup", "socket_bind", false)]
    [InlineData("iter/task", "tracing", "trace_iter", "task", false)]
    [InlineData("iter.s/task_file", "tracing", "trace_iter", "task_file", true)]
    [InlineData("syscall", "syscall", null, null, true)]
    [InlineData("xdp", "xdp", "xdp", null, false)]
    [InlineData("xdp.frags", "xdp", "xdp", null, false)]
    [InlineData("xdp/devmap", "xdp", "xdp_devmap", null, false)]
    [InlineData("xdp.frags/devmap", "xdp", "xdp_devmap", null, false)]
    [InlineData("xdp/cpumap", "xdp", "xdp_cpumap", null, false)]
    [InlineData("xdp.frags/cpumap", "xdp", "xdp_cpumap", null, false)]
    [InlineData("perf_event", "perf_event", null, null, false)]
    [InlineData("lwt_in", "lwt_in", null, null, false)]
    [InlineData("lwt_out", "lwt_out", null, null, false)]
    [InlineData("lwt_xmit", "lwt_xmit", null, null, false)]
    [InlineData("lwt_seg6local", "lwt_seg6local", null, null, false)]
    [InlineData("sockops", "sock_ops", "cgroup_sock_ops", null, false)]
    [InlineData("sk_skb", "sk_skb", null, null, false)]
    [InlineData("sk_skb/stream_parser", "sk_skb", "sk_skb_stream_parser", null, false)]
    [InlineData("sk_skb/stream_verdict", "sk_skb", "sk_skb_stream_verdict", null, false)]
    [InlineData("sk_skb/verdict", "sk_skb", "sk_skb_verdict", null, false)]
    [InlineData("sk_msg", "sk_msg", "sk_msg_verdict", null, false)]
    [InlineData("lirc_mode2", "lirc_mode2", "lirc_mode2", null, false)]
    [InlineData("flow_dissector", "flow_dissector", "flow_dissector", null, false)]
    [InlineData("cgroup_skb/ingress", "cgroup_skb", "cgroup_inet_ingress", null, false)]
    [InlineData("cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", null, false)]
    [InlineData("cgroup/skb", "cgroup_skb", null, null, false)]
    [InlineData("cgroup/sock", "cgroup_sock", "cgroup_inet_sock_create", null, false)]
    [InlineData("cgroup/sock_create", "cgroup_sock", "cgroup_inet_sock_create", null, false)]
    [InlineData("cgroup/sock_release", "cgroup_sock", "cgroup_inet_sock_release", null, false)]
    [InlineData("cgroup/post_bind4", "cgroup_sock", "cgroup_inet4_post_bind", null, false)]
    [InlineData("cgroup/post_bind6", "cgroup_sock", "cgroup_inet6_post_bind", null, false)]
    [InlineData("cgroup/bind4", "cgroup_sock_addr", "cgroup_inet4_bind", null, false)]
    [InlineData("cgroup/connect6", "cgroup_sock_addr", "cgroup_inet6_connect", null, false)]
    [InlineData("cgroup/connect_unix", "cgroup_sock_addr", "cgroup_unix_connect", null, false)]
    [InlineData("cgroup/sendmsg4", "cgroup_sock_addr", "cgroup_udp4_sendmsg", null, false)]
    [InlineData("cgroup/sendmsg_unix", "cgroup_sock_addr", "cgroup_unix_sendmsg", null, false)]
    [InlineData("cgroup/recvmsg6", "cgroup_sock_addr", "cgroup_udp6_recvmsg", null, false)]
    [InlineData("cgroup/getpeername4", "cgroup_sock_addr", "cgroup_inet4_getpeername", null, false)]
    [InlineData("cgroup/getpeername_unix", "cgroup_sock_addr", "cgroup_unix_getpeername", null, false)]
    [InlineData("cgroup/getsockname6", "cgroup_sock_addr", "cgroup_inet6_getsockname", null, false)]
    [InlineData("cgroup/sysctl", "cgroup_sysctl", "cgroup_sysctl", null, false)]
    [InlineData("cgroup/getsockopt", "cgroup_sockopt", "cgroup_getsockopt", null, false)]
    [InlineData("cgroup/setsockopt", "cgroup_sockopt", "cgroup_setsockopt", null, false)]
    [InlineData("cgroup/dev", "cgroup_device", "cgroup_device", null, false)]
    [InlineData("struct_ops", "struct_ops", null, null, false)]
    [InlineData("struct_ops/hid_device_event", "struct_ops", null, "hid_device_event", false)]
    [InlineData("struct_ops.s/dispatch", "struct_ops", null, "dispatch", true)]
    [InlineData("sk_lookup", "sk_lookup", "sk_lookup", null, false)]
    [InlineData("netfilter", "netfilter", "netfilter", null, false)]
    public void Resolve_GivesLibbpfsProgramAndAttachType(string section, string type, string? attach, string? target, bool sleepable)
    {
        var info = ProgramSections.Resolve(section);
        Assert.NotNull(info);
        Assert.Equal(type, info.ProgramType);
        Assert.Equal(type, ProgramSections.ProgramTypeNames[info.ProgramTypeId]);
        Assert.Equal(attach, info.AttachType);
        Assert.Equal(attach is null ? 0u : info.AttachTypeId, info.AttachTypeId);
        if (attach is not null) Assert.Equal(attach, ProgramSections.AttachTypeNames[info.AttachTypeId]);
        Assert.Equal(target, info.AttachTarget);
        Assert.Equal(sleepable, info.Sleepable);
        Assert.True(info.AutoLoad);
    }

    [Theory]
    [InlineData("xdp", 6u, 37u)]
    [InlineData("tc/ingress", 3u, 46u)]
    [InlineData("fentry/f", 26u, 24u)]
    [InlineData("lsm/file_open", 29u, 27u)]
    [InlineData("cgroup_skb/ingress", 8u, 0u)]
    [InlineData("netfilter", 32u, 45u)]
    [InlineData("kprobe.session/f", 2u, 56u)]
    public void Resolve_UsesTheKernelsEnumValues(string section, uint typeId, uint attachId)
    {
        var info = ProgramSections.Resolve(section)!;
        Assert.Equal(typeId, info.ProgramTypeId);
        Assert.Equal(attachId, info.AttachTypeId);
    }

    [Theory]
    [InlineData("?xdp", "xdp", null)]
    [InlineData("?fentry/do_unlinkat", "tracing", "do_unlinkat")]
    [InlineData("?struct_ops.s/init", "struct_ops", "init")]
    public void QuestionMarkPrefix_TurnsAutoloadOff_AndIsDroppedBeforeMatching(string section, string type, string? target)
    {
        var info = ProgramSections.Resolve(section)!;
        Assert.False(info.AutoLoad);
        Assert.Equal(type, info.ProgramType);
        Assert.Equal(target, info.AttachTarget);
    }

    [Theory]
    [InlineData("")]
    [InlineData("?")]
    [InlineData("??xdp")]          // only one '?' is stripped
    [InlineData("filter")]         // legacy names libbpf 1.x dropped
    [InlineData("loadbalancer")]
    [InlineData("xdp_sock")]
    [InlineData("xdp/foo")]        // "xdp" is an exact match, not a prefix
    [InlineData("xdp.frags/foo")]
    [InlineData("xdpfoo")]
    [InlineData("tc/foo")]
    [InlineData("tcx")]
    [InlineData("classifier/foo")]
    [InlineData("kprobefoo")]      // "kprobe+" needs '/' or the end after the prefix
    [InlineData("kprobe.multifoo")]
    [InlineData("fentry.sx/f")]
    [InlineData("socket/foo")]
    [InlineData("syscall/x")]
    [InlineData("sk_skb/foo")]
    [InlineData("cgroup/unknown")]
    [InlineData("cgroup_skb")]
    [InlineData("sk_lookup/x")]
    [InlineData("XDP")]            // case matters
    [InlineData(".text")]
    [InlineData("maps")]
    [InlineData("license")]
    [InlineData("fentry.multi/f")]
    public void UnknownNames_ResolveToNull(string section) => Assert.Null(ProgramSections.Resolve(section));

    [Fact]
    public void PlusPatterns_AcceptTheBareNameAndSlashExtras_Only()
    {
        var def = ProgramSections.FindDefinition("kprobe")!;
        Assert.Equal("kprobe+", def.Pattern);
        Assert.True(def.Matches("kprobe/"));
        Assert.Null(def.AttachTargetOf("kprobe/"));
        Assert.False(def.Matches("kprobe.multi/x"));
    }

    [Fact]
    public void SleepableAndFragsFlags_ComeFromTheDefinition()
    {
        Assert.True(ProgramSections.FindDefinition("xdp.frags")!.XdpFrags);
        Assert.False(ProgramSections.FindDefinition("xdp")!.XdpFrags);
        Assert.True(ProgramSections.FindDefinition("lsm.s/x")!.Sleepable);
        Assert.True(ProgramSections.FindDefinition("fentry/x")!.AttachBtf);
        Assert.Equal(SectionFlags.Usdt | SectionFlags.Sleepable, ProgramSections.FindDefinition("usdt.s/a:b:c")!.Flags);
    }

    [Fact]
    public void Definitions_AreUnique_AndEveryTypeNameIsKnown()
    {
        Assert.Equal(ProgramSections.Definitions.Count, ProgramSections.Definitions.Select(d => d.Pattern).Distinct().Count());
        foreach (var def in ProgramSections.Definitions)
        {
            Assert.Equal(def.ProgramType, ProgramSections.ProgramTypeNames[def.ProgramTypeId]);
            if (def.AttachType is not null) Assert.Equal(def.AttachType, ProgramSections.AttachTypeNames[def.AttachTypeId]);
        }
        Assert.Equal(33, ProgramSections.ProgramTypeNames.Count);
    }

    // ---- the corpus: what libbpf 1.7 did with real objects ----

    /// <summary>
    /// loads-6.18.json records, per program, the prog_type and attach_type libbpf 1.7 gave it (`unspec` when the
    /// section name was not recognised; attach type 0 prints as cgroup_inet_ingress there).
    /// </summary>
    private static Dictionary<string, (string Type, string Attach)> LibbpfOutcomes()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "objects", "loads-6.18.json")));
        var result = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var obj in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            if (!obj.TryGetProperty("programs", out var programs)) continue;
            foreach (var p in programs.EnumerateArray())
            {
                var section = p.GetProperty("section").GetString()!;
                var outcome = (p.GetProperty("prog_type").GetString()!, p.GetProperty("attach_type").GetString()!);
                if (result.TryGetValue(section, out var seen)) Assert.Equal(seen, outcome);
                result[section] = outcome;
            }
        }
        return result;
    }

    [CorpusFact]
    public void CorpusSections_ResolveToTheTypesLibbpfGaveThem()
    {
        var outcomes = LibbpfOutcomes();
        Assert.NotEmpty(outcomes);
        foreach (var (section, (type, attach)) in outcomes)
        {
            var info = ProgramSections.Resolve(section);
            if (type == "unspec")
            {
                Assert.Null(info);
                continue;
            }
            Assert.NotNull(info);
            Assert.Equal(type, info.ProgramType);
            Assert.Equal(attach, ProgramSections.AttachTypeNames[info.AttachTypeId]);
        }
    }

    [CorpusFact]
    public void EveryProgramSectionInTheManifest_Resolves_AsLibbpfDid()
    {
        var outcomes = LibbpfOutcomes();
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.Corpus, "objects", "manifest.json")));
        var checkedSections = new HashSet<string>(StringComparer.Ordinal);
        var notLoaded = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var obj in doc.RootElement.GetProperty("objects").EnumerateArray())
            foreach (var p in obj.GetProperty("programs").EnumerateArray())
            {
                var section = p.GetProperty("section").GetString()!;
                checkedSections.Add(section);
                var info = ProgramSections.Resolve(section);
                if (outcomes.TryGetValue(section, out var o))
                {
                    Assert.Equal(o.Type == "unspec" ? null : o.Type, info?.ProgramType);
                    continue;
                }
                // Objects libbpf could not open at all (opensnitch's legacy `maps/` relocations) have no
                // per-program record; their sections are libbpf kprobe/tracepoint/uprobe names.
                notLoaded.Add(section);
                Assert.NotNull(info);
                var family = section[..section.IndexOf('/')];
                Assert.Equal(family is "tracepoint" or "tp" ? "tracepoint" : "kprobe", info.ProgramType);
                Assert.Equal(section[(family.Length + 1)..], info.AttachTarget);
            }
        Assert.True(checkedSections.Count >= 30, $"only {checkedSections.Count} distinct sections");
        Assert.All(notLoaded, s => Assert.Matches("^(kprobe|kretprobe|tracepoint|uprobe|uretprobe)/", s));
    }
}
