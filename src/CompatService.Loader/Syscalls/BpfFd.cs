using System.Runtime.InteropServices;

namespace CompatService.Loader.Syscalls;

/// <summary>A file descriptor returned by bpf(2) (map, program, BTF), closed through the seam that opened it.</summary>
public sealed class BpfFd : SafeHandle
{
    private readonly IBpfSyscalls _sys;

    public BpfFd(IBpfSyscalls sys, int fd) : base(-1, ownsHandle: true)
    {
        _sys = sys;
        SetHandle(fd);
    }

    public override bool IsInvalid => handle == -1;

    /// <summary>The raw fd number (valid while this handle is open).</summary>
    public int Value
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (int)handle;
        }
    }

    protected override bool ReleaseHandle()
    {
        _sys.Close((int)handle);
        return true;
    }

    public override string ToString() => IsClosed ? "fd (closed)" : $"fd {(int)handle}";
}
