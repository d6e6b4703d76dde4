namespace CompatService.Engine.Object;

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
