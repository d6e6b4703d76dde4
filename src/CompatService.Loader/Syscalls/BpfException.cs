namespace CompatService.Loader.Syscalls;

/// <summary>A bpf(2) command failed. <see cref="Log"/> is the kernel's log when one was requested.</summary>
public sealed class BpfException(BpfCommand command, int errno, string message, string? log = null)
    : Exception($"{message}: {Syscalls.Errno.Name(errno)} ({errno})")
{
    public BpfCommand Command { get; } = command;
    public int Errno { get; } = errno;
    public string? Log { get; } = log;
}
