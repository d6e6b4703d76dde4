using System.Runtime.InteropServices;

namespace CompatService.Loader.Syscalls;

/// <summary>The real bpf(2) through libc's syscall(3). The only P/Invoke in the repository.</summary>
public sealed partial class LinuxBpfSyscalls : IBpfSyscalls
{
    public static readonly LinuxBpfSyscalls Instance = new();

    private LinuxBpfSyscalls() { }

    /// <summary>__NR_bpf for the running architecture (x86_64 321, arm64 280).</summary>
    public static long SysBpf => RuntimeInformation.ProcessArchitecture switch
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

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall(long number, long cmd, nint attr, long size);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);
}
