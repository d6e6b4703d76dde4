namespace CompatService.Loader.Syscalls;

/// <summary>
/// The host seam: bpf(2) and close(2), nothing else. <paramref name="attr"/> is a hand-laid <c>union bpf_attr</c>;
/// pointer fields inside it point to memory the caller keeps pinned for the duration of the call.
/// </summary>
public interface IBpfSyscalls
{
    /// <summary>bpf(cmd, attr, attr.Length): the result (≥ 0, an fd for fd-returning commands) or <c>-errno</c>.</summary>
    long Bpf(BpfCommand cmd, Span<byte> attr);

    /// <summary>close(fd).</summary>
    void Close(int fd);
}
