using System.Runtime.InteropServices;

namespace CompatService.Loader.Syscalls;

/// <summary>The real bpf(2) through libc's syscall(3), and setrlimit(2) for RLIMIT_MEMLOCK. The only P/Invokes in the repository.</summary>
public sealed partial class LinuxBpfSyscalls : IBpfSyscalls
{
    public static readonly LinuxBpfSyscalls Instance = new();

    private LinuxBpfSyscalls() { }

    /// <summary>__NR_bpf for the running architecture (x86_64 321, arm64 280).</summary>
    public static long SysBpf => SysBpfFor(RuntimeInformation.ProcessArchitecture);

    /// <summary>
    /// __NR_bpf per architecture: x86_64 321 (arch/x86/entry/syscalls/syscall_64.tbl), arm64 280 (the generic table,
    /// include/uapi/asm-generic/unistd.h, which arm64 uses). bpf(2) is the only syscall the loader makes directly;
    /// setrlimit and close go through libc's own wrappers (RLIMIT_MEMLOCK is 8 on both).
    /// </summary>
    public static long SysBpfFor(Architecture architecture) => architecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var a => throw new PlatformNotSupportedException($"bpf(2) syscall number unknown for {a}"),
    };

    public static bool IsSupportedPlatform =>
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public unsafe long Bpf(BpfCommand cmd, Span<byte> attr)
    {
        fixed (byte* p = attr)
        {
            var r = Syscall(SysBpf, (long)cmd, (nint)p, attr.Length);
            return r < 0 ? -Marshal.GetLastPInvokeError() : r;
        }
    }

    public void Close(int fd) => CloseFd(fd);

    /// <summary>
    /// Lifts RLIMIT_MEMLOCK to infinity, as libbpf 1.x does before it creates maps on a kernel that charges BPF memory
    /// to the locked-memory limit (before 5.11's memcg accounting): without it a 5.10 kernel refuses a map of a few
    /// hundred KiB with EPERM under the default 64 KiB limit, and every loader built on libbpf would not see that.
    /// Harmless on newer kernels (they ignore the limit for BPF). Returns false when the limit could not be lifted.
    /// </summary>
    public static unsafe bool RaiseMemlockLimit()
    {
        const int RlimitMemlock = 8; // x86_64 and arm64
        var limit = stackalloc ulong[2] { ulong.MaxValue, ulong.MaxValue };
        return SetRlimit(RlimitMemlock, (nint)limit) == 0;
    }

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long cmd, nint attr, long size);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRlimit(int resource, nint rlimit);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);
}
