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
    /// <summary>enum bpf_prog_type value → name ("socket_filter", "kprobe", "sched_cls", ...).</summary>
    public static IReadOnlyDictionary<uint, string> ProgramTypeNames { get; } = new Dictionary<uint, string>
    {
        [0] = "unspec",
        [1] = "socket_filter",
        [2] = "kprobe",
        [3] = "sched_cls",
        [4] = "sched_act",
        [5] = "tracepoint",
        [6] = "xdp",
        [7] = "perf_event",
        [8] = "cgroup_skb",
        [9] = "cgroup_sock",
        [10] = "lwt_in",
        [11] = "lwt_out",
        [12] = "lwt_xmit",
        [13] = "sock_ops",
        [14] = "sk_skb",
        [15] = "cgroup_device",
        [16] = "sk_msg",
        [17] = "raw_tracepoint",
        [18] = "cgroup_sock_addr",
        [19] = "lwt_seg6local",
        [20] = "lirc_mode2",
        [21] = "sk_reuseport",
        [22] = "flow_dissector",
        [23] = "cgroup_sysctl",
        [24] = "raw_tracepoint_writable",
        [25] = "cgroup_sockopt",
        [26] = "tracing",
        [27] = "struct_ops",
        [28] = "ext",
        [29] = "lsm",
        [30] = "sk_lookup",
        [31] = "syscall",
        [32] = "netfilter",
    };

    /// <summary>enum bpf_attach_type value → name ("cgroup_inet_ingress", "trace_fentry", "xdp", ...).</summary>
    public static IReadOnlyDictionary<uint, string> AttachTypeNames { get; } = new Dictionary<uint, string>
    {
        [0] = "cgroup_inet_ingress",
        [1] = "cgroup_inet_egress",
        [2] = "cgroup_inet_sock_create",
        [3] = "cgroup_sock_ops",
        [4] = "sk_skb_stream_parser",
        [5] = "sk_skb_stream_verdict",
        [6] = "cgroup_device",
        [7] = "sk_msg_verdict",
        [8] = "cgroup_inet4_bind",
        [9] = "cgroup_inet6_bind",
        [10] = "cgroup_inet4_connect",
        [11] = "cgroup_inet6_connect",
        [12] = "cgroup_inet4_post_bind",
        [13] = "cgroup_inet6_post_bind",
        [14] = "cgroup_udp4_sendmsg",
        [15] = "cgroup_udp6_sendmsg",
        [16] = "lirc_mode2",
        [17] = "flow_dissector",
        [18] = "cgroup_sysctl",
        [19] = "cgroup_udp4_recvmsg",
        [20] = "cgroup_udp6_recvmsg",
        [21] = "cgroup_getsockopt",
        [22] = "cgroup_setsockopt",
        [23] = "trace_raw_tp",
        [24] = "trace_fentry",
        [25] = "trace_fexit",
        [26] = "modify_return",
        [27] = "lsm_mac",
        [28] = "trace_iter",
        [29] = "cgroup_inet4_getpeername",
        [30] = "cgroup_inet6_getpeername",
        [31] = "cgroup_inet4_getsockname",
        [32] = "cgroup_inet6_getsockname",
        [33] = "xdp_devmap",
        [34] = "cgroup_inet_sock_release",
        [35] = "xdp_cpumap",
        [36] = "sk_lookup",
        [37] = "xdp",
        [38] = "sk_skb_verdict",
        [39] = "sk_reuseport_select",
        [40] = "sk_reuseport_select_or_migrate",
        [41] = "perf_event",
        [42] = "trace_kprobe_multi",
        [43] = "lsm_cgroup",
        [44] = "struct_ops",
        [45] = "netfilter",
        [46] = "tcx_ingress",
        [47] = "tcx_egress",
        [48] = "trace_uprobe_multi",
        [49] = "cgroup_unix_connect",
        [50] = "cgroup_unix_sendmsg",
        [51] = "cgroup_unix_recvmsg",
        [52] = "cgroup_unix_getpeername",
        [53] = "cgroup_unix_getsockname",
        [54] = "netkit_primary",
        [55] = "netkit_peer",
        [56] = "trace_kprobe_session",
        [57] = "trace_uprobe_session",
        [58] = "trace_fsession",
        [59] = "trace_fentry_multi",
        [60] = "trace_fexit_multi",
        [61] = "trace_fsession_multi",
    };

    private static readonly Dictionary<string, uint> ProgramTypeIds = ProgramTypeNames.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);
    private static readonly Dictionary<string, uint> AttachTypeIds = AttachTypeNames.ToDictionary(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal);

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
        new(pattern, programType, ProgramTypeIds[programType], attachType, attachType is null ? 0 : AttachTypeIds[attachType], flags);
}

/// <summary>libbpf's SEC_* flags of a section definition (the sec_def cookie).</summary>
[Flags]
public enum SectionFlags
{
    None = 0,
    /// <summary>SEC_EXP_ATTACH_OPT: expected_attach_type is dropped on kernels that do not support it.</summary>
    ExpectedAttachTypeOptional = 1,
    /// <summary>SEC_ATTACHABLE: legacy BPF_PROG_ATTACH-able marker.</summary>
    Attachable = 2,
    /// <summary>SEC_ATTACH_BTF: the attach target is a BTF id (kernel function, tracepoint, LSM hook, program).</summary>
    AttachBtf = 4,
    /// <summary>SEC_SLEEPABLE: loaded with BPF_F_SLEEPABLE.</summary>
    Sleepable = 8,
    /// <summary>SEC_XDP_FRAGS: loaded with BPF_F_XDP_HAS_FRAGS.</summary>
    XdpFrags = 16,
    /// <summary>SEC_USDT: USDT probe (multi-uprobe attach type when the kernel has it).</summary>
    Usdt = 32,
}

/// <summary>
/// One entry of libbpf's section table. <see cref="Pattern"/> ends in `+` (exact or `name/extras`), in `/`
/// (prefix) or is matched exactly. <see cref="AttachType"/> is null where libbpf leaves expected_attach_type 0
/// without naming an attach type (its id is then 0, which the kernel enum calls BPF_CGROUP_INET_INGRESS).
/// </summary>
public sealed record ProgramSectionDefinition(
    string Pattern,
    string ProgramType,
    uint ProgramTypeId,
    string? AttachType,
    uint AttachTypeId,
    SectionFlags Flags)
{
    public bool Sleepable => (Flags & SectionFlags.Sleepable) != 0;
    public bool XdpFrags => (Flags & SectionFlags.XdpFrags) != 0;
    public bool AttachBtf => (Flags & SectionFlags.AttachBtf) != 0;

    /// <summary>The pattern without its `+` marker: the name's prefix.</summary>
    public string Prefix => Pattern.EndsWith('+') ? Pattern[..^1] : Pattern;

    /// <summary>The prefix as a span of the pattern: matching a name against the whole table allocates nothing.</summary>
    private ReadOnlySpan<char> PrefixSpan => Pattern.EndsWith('+') ? Pattern.AsSpan(0, Pattern.Length - 1) : Pattern;

    /// <summary>libbpf's sec_def_matches().</summary>
    public bool Matches(string sectionName)
    {
        if (Pattern.EndsWith('/')) return sectionName.StartsWith(Pattern, StringComparison.Ordinal);
        if (Pattern.EndsWith('+'))
        {
            var prefix = PrefixSpan;
            if (!sectionName.AsSpan().StartsWith(prefix, StringComparison.Ordinal)) return false;
            return sectionName.Length == prefix.Length || sectionName[prefix.Length] == '/';
        }
        return string.Equals(sectionName, Pattern, StringComparison.Ordinal);
    }

    /// <summary>The part of a matching name after the prefix and its `/` (`fentry/do_unlinkat` → "do_unlinkat"); null for an exact match.</summary>
    public string? AttachTargetOf(string sectionName)
    {
        if (Pattern.EndsWith('/')) return sectionName.Length > Pattern.Length ? sectionName[Pattern.Length..] : null;
        if (Pattern.EndsWith('+'))
        {
            var prefix = PrefixSpan;
            return sectionName.Length > prefix.Length + 1 ? sectionName[(prefix.Length + 1)..] : null;
        }
        return null;
    }
}
