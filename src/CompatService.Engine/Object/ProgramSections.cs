namespace CompatService.Engine.Object;

/// <summary>
/// libbpf's ELF section-name table (`section_defs[]` in libbpf.c, v1.7) and its matching rules: what program
/// type, expected attach type and flags a section name such as `fentry/do_unlinkat` or `?xdp.frags` gives.
/// <list type="bullet">
/// <item>`name+` matches the exact name or `name/extras` (the extras are the attach target);</item>
/// <item>a name ending in `/` matches any name with that prefix;</item>
/// <item>any other name matches only itself exactly (`xdp/foo` is not an XDP program: `xdp` is exact);</item>
/// <item>the first matching entry in table order wins; a leading `?` turns autoload off and is then dropped;</item>
/// <item>since libbpf 1.0 there is no sloppy prefix fallback: an unmatched name is not a program libbpf can load.</item>
/// </list>
/// Type and attach-type ids are the kernel's UAPI enum values (enum bpf_prog_type / bpf_attach_type, read from
/// the BTF of Debian kernel 7.2.13); names are those enum names lower-cased without their `BPF_PROG_TYPE_` /
/// `BPF_` prefix, which is also what libbpf's prog_type_name[] / attach_type_name[] print.
/// </summary>
public static class ProgramSections
{
    /// <summary>enum bpf_prog_type values → names (see <see cref="ProgramSectionEnums"/>).</summary>
    public static IReadOnlyDictionary<uint, string> ProgramTypeNames => ProgramSectionEnums.ProgramTypeNames;

    /// <summary>enum bpf_attach_type values → names (see <see cref="ProgramSectionEnums"/>).</summary>
    public static IReadOnlyDictionary<uint, string> AttachTypeNames => ProgramSectionEnums.AttachTypeNames;

    private const SectionFlags None = SectionFlags.None, AttachOpt = SectionFlags.ExpectedAttachTypeOptional,
        Attachable = SectionFlags.Attachable, AttachableOpt = SectionFlags.Attachable | SectionFlags.ExpectedAttachTypeOptional,
        AttachBtf = SectionFlags.AttachBtf, Sleepable = SectionFlags.Sleepable, XdpFrags = SectionFlags.XdpFrags,
        Usdt = SectionFlags.Usdt;

    /// <summary>libbpf v1.7's section_defs[], in its order.</summary>
    public static IReadOnlyList<ProgramSectionDefinition> Definitions { get; } =
    [
        Def("socket", "socket_filter", null, None),
        Def("sk_reuseport/migrate", "sk_reuseport", "sk_reuseport_select_or_migrate", Attachable),
        Def("sk_reuseport", "sk_reuseport", "sk_reuseport_select", Attachable),
        Def("kprobe+", "kprobe", null, None),
        Def("uprobe+", "kprobe", null, None),
        Def("uprobe.s+", "kprobe", null, Sleepable),
        Def("kretprobe+", "kprobe", null, None),
        Def("uretprobe+", "kprobe", null, None),
        Def("uretprobe.s+", "kprobe", null, Sleepable),
        Def("kprobe.multi+", "kprobe", "trace_kprobe_multi", None),
        Def("kretprobe.multi+", "kprobe", "trace_kprobe_multi", None),
        Def("kprobe.session+", "kprobe", "trace_kprobe_session", None),
        Def("uprobe.multi+", "kprobe", "trace_uprobe_multi", None),
        Def("uretprobe.multi+", "kprobe", "trace_uprobe_multi", None),
        Def("uprobe.session+", "kprobe", "trace_uprobe_session", None),
        Def("uprobe.multi.s+", "kprobe", "trace_uprobe_multi", Sleepable),
        Def("uretprobe.multi.s+", "kprobe", "trace_uprobe_multi", Sleepable),
        Def("uprobe.session.s+", "kprobe", "trace_uprobe_session", Sleepable),
        Def("ksyscall+", "kprobe", null, None),
        Def("kretsyscall+", "kprobe", null, None),
        Def("usdt+", "kprobe", null, Usdt),
        Def("usdt.s+", "kprobe", null, Usdt | Sleepable),
        Def("tc/ingress", "sched_cls", "tcx_ingress", None), // alias for tcx
        Def("tc/egress", "sched_cls", "tcx_egress", None),   // alias for tcx
        Def("tcx/ingress", "sched_cls", "tcx_ingress", None),
        Def("tcx/egress", "sched_cls", "tcx_egress", None),
        Def("tc", "sched_cls", null, None),         // legacy
        Def("classifier", "sched_cls", null, None), // legacy
        Def("action", "sched_act", null, None),     // legacy
        Def("netkit/primary", "sched_cls", "netkit_primary", None),
        Def("netkit/peer", "sched_cls", "netkit_peer", None),
        Def("tracepoint+", "tracepoint", null, None),
        Def("tp+", "tracepoint", null, None),
        Def("raw_tracepoint+", "raw_tracepoint", null, None),
        Def("raw_tp+", "raw_tracepoint", null, None),
        Def("raw_tracepoint.w+", "raw_tracepoint_writable", null, None),
        Def("raw_tp.w+", "raw_tracepoint_writable", null, None),
        Def("tp_btf+", "tracing", "trace_raw_tp", AttachBtf),
        Def("fentry+", "tracing", "trace_fentry", AttachBtf),
        Def("fmod_ret+", "tracing", "modify_return", AttachBtf),
        Def("fexit+", "tracing", "trace_fexit", AttachBtf),
        Def("fentry.s+", "tracing", "trace_fentry", AttachBtf | Sleepable),
        Def("fmod_ret.s+", "tracing", "modify_return", AttachBtf | Sleepable),
        Def("fexit.s+", "tracing", "trace_fexit", AttachBtf | Sleepable),
        Def("fsession+", "tracing", "trace_fsession", AttachBtf),
        Def("fsession.s+", "tracing", "trace_fsession", AttachBtf | Sleepable),
        Def("freplace+", "ext", null, AttachBtf),
        Def("lsm+", "lsm", "lsm_mac", AttachBtf),
        Def("lsm.s+", "lsm", "lsm_mac", AttachBtf | Sleepable),
        Def("lsm_cgroup+", "lsm", "lsm_cgroup", AttachBtf),
        Def("iter+", "tracing", "trace_iter", AttachBtf),
        Def("iter.s+", "tracing", "trace_iter", AttachBtf | Sleepable),
        Def("syscall", "syscall", null, Sleepable),
        Def("xdp.frags/devmap", "xdp", "xdp_devmap", XdpFrags),
        Def("xdp/devmap", "xdp", "xdp_devmap", Attachable),
        Def("xdp.frags/cpumap", "xdp", "xdp_cpumap", XdpFrags),
        Def("xdp/cpumap", "xdp", "xdp_cpumap", Attachable),
        Def("xdp.frags", "xdp", "xdp", XdpFrags),
        Def("xdp", "xdp", "xdp", AttachableOpt),
        Def("perf_event", "perf_event", null, None),
        Def("lwt_in", "lwt_in", null, None),
        Def("lwt_out", "lwt_out", null, None),
        Def("lwt_xmit", "lwt_xmit", null, None),
        Def("lwt_seg6local", "lwt_seg6local", null, None),
        Def("sockops", "sock_ops", "cgroup_sock_ops", AttachableOpt),
        Def("sk_skb/stream_parser", "sk_skb", "sk_skb_stream_parser", AttachableOpt),
        Def("sk_skb/stream_verdict", "sk_skb", "sk_skb_stream_verdict", AttachableOpt),
        Def("sk_skb/verdict", "sk_skb", "sk_skb_verdict", AttachableOpt),
        Def("sk_skb", "sk_skb", null, None),
        Def("sk_msg", "sk_msg", "sk_msg_verdict", AttachableOpt),
        Def("lirc_mode2", "lirc_mode2", "lirc_mode2", AttachableOpt),
        Def("flow_dissector", "flow_dissector", "flow_dissector", AttachableOpt),
        Def("cgroup_skb/ingress", "cgroup_skb", "cgroup_inet_ingress", AttachableOpt),
        Def("cgroup_skb/egress", "cgroup_skb", "cgroup_inet_egress", AttachableOpt),
        Def("cgroup/skb", "cgroup_skb", null, None),
        Def("cgroup/sock_create", "cgroup_sock", "cgroup_inet_sock_create", Attachable),
        Def("cgroup/sock_release", "cgroup_sock", "cgroup_inet_sock_release", Attachable),
        Def("cgroup/sock", "cgroup_sock", "cgroup_inet_sock_create", AttachableOpt),
        Def("cgroup/post_bind4", "cgroup_sock", "cgroup_inet4_post_bind", Attachable),
        Def("cgroup/post_bind6", "cgroup_sock", "cgroup_inet6_post_bind", Attachable),
        Def("cgroup/bind4", "cgroup_sock_addr", "cgroup_inet4_bind", Attachable),
        Def("cgroup/bind6", "cgroup_sock_addr", "cgroup_inet6_bind", Attachable),
        Def("cgroup/connect4", "cgroup_sock_addr", "cgroup_inet4_connect", Attachable),
        Def("cgroup/connect6", "cgroup_sock_addr", "cgroup_inet6_connect", Attachable),
        Def("cgroup/connect_unix", "cgroup_sock_addr", "cgroup_unix_connect", Attachable),
        Def("cgroup/sendmsg4", "cgroup_sock_addr", "cgroup_udp4_sendmsg", Attachable),
        Def("cgroup/sendmsg6", "cgroup_sock_addr", "cgroup_udp6_sendmsg", Attachable),
        Def("cgroup/sendmsg_unix", "cgroup_sock_addr", "cgroup_unix_sendmsg", Attachable),
        Def("cgroup/recvmsg4", "cgroup_sock_addr", "cgroup_udp4_recvmsg", Attachable),
        Def("cgroup/recvmsg6", "cgroup_sock_addr", "cgroup_udp6_recvmsg", Attachable),
        Def("cgroup/recvmsg_unix", "cgroup_sock_addr", "cgroup_unix_recvmsg", Attachable),
        Def("cgroup/getpeername4", "cgroup_sock_addr", "cgroup_inet4_getpeername", Attachable),
        Def("cgroup/getpeername6", "cgroup_sock_addr", "cgroup_inet6_getpeername", Attachable),
        Def("cgroup/getpeername_unix", "cgroup_sock_addr", "cgroup_unix_getpeername", Attachable),
        Def("cgroup/getsockname4", "cgroup_sock_addr", "cgroup_inet4_getsockname", Attachable),
        Def("cgroup/getsockname6", "cgroup_sock_addr", "cgroup_inet6_getsockname", Attachable),
        Def("cgroup/getsockname_unix", "cgroup_sock_addr", "cgroup_unix_getsockname", Attachable),
        Def("cgroup/sysctl", "cgroup_sysctl", "cgroup_sysctl", Attachable),
        Def("cgroup/getsockopt", "cgroup_sockopt", "cgroup_getsockopt", Attachable),
        Def("cgroup/setsockopt", "cgroup_sockopt", "cgroup_setsockopt", Attachable),
        Def("cgroup/dev", "cgroup_device", "cgroup_device", AttachableOpt),
        Def("struct_ops+", "struct_ops", null, None),
        Def("struct_ops.s+", "struct_ops", null, Sleepable),
        Def("sk_lookup", "sk_lookup", "sk_lookup", Attachable),
        Def("netfilter", "netfilter", "netfilter", None),
    ];

    /// <summary>
    /// What libbpf makes of a program section name, or null when libbpf does not recognise it (such a program
    /// fails to load with "missing BPF prog type"). A leading `?` gives <see cref="ProgramSectionInfo.AutoLoad"/> false.
    /// </summary>
    public static ProgramSectionInfo? Resolve(string sectionName)
    {
        ArgumentNullException.ThrowIfNull(sectionName);
        var autoLoad = true;
        var name = sectionName;
        if (name.StartsWith('?'))
        {
            autoLoad = false;
            name = name[1..];
        }
        var def = FindDefinition(name);
        if (def is null) return null;
        return new ProgramSectionInfo(
            def.ProgramType, def.ProgramTypeId, def.AttachType, def.AttachTypeId,
            def.AttachTargetOf(name), def.Sleepable, autoLoad);
    }

    /// <summary>The table entry libbpf would pick for a section name (without the `?` prefix), or null.</summary>
    public static ProgramSectionDefinition? FindDefinition(string sectionName)
    {
        foreach (var def in Definitions)
            if (def.Matches(sectionName)) return def;
        return null;
    }

    private static ProgramSectionDefinition Def(string pattern, string programType, string? attachType, SectionFlags flags) =>
        new(pattern, programType, ProgramSectionEnums.ProgramTypeIds[programType], attachType, attachType is null ? 0 : ProgramSectionEnums.AttachTypeIds[attachType], flags);
}
