using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Tests.Syscalls;

/// <summary>
/// The bpf(2) number per architecture, checked against the kernel's UAPI headers of linux-libc-dev where this machine
/// has them (x86_64's own table; asm-generic's, which arm64 uses), and the refusal for an architecture without one.
/// </summary>
public sealed partial class SyscallNumberTests
{
    public static TheoryData<Architecture, string> Tables => new()
    {
        { Architecture.X64, "/usr/include/x86_64-linux-gnu/asm/unistd_64.h" },
        { Architecture.Arm64, "/usr/include/asm-generic/unistd.h" },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void SysBpf_EqualsTheKernelHeadersNumber(Architecture arch, string header)
    {
        var expected = arch == Architecture.X64 ? 321 : 280; // what the loader must use, whether or not the header is here
        Assert.Equal(expected, LinuxBpfSyscalls.SysBpfFor(arch));
        if (!File.Exists(header)) return; // the literal above is the check then; with linux-libc-dev the header decides too
        var m = NrBpf().Match(File.ReadAllText(header));
        Assert.True(m.Success, $"{header} defines no __NR_bpf");
        Assert.Equal(long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), LinuxBpfSyscalls.SysBpfFor(arch));
    }

    [Fact]
    public void SysBpf_RunningArchitectureIsInTheTable_OthersAreRefused()
    {
        Assert.Equal(LinuxBpfSyscalls.SysBpfFor(RuntimeInformation.ProcessArchitecture), LinuxBpfSyscalls.SysBpf);
        Assert.Throws<PlatformNotSupportedException>(() => LinuxBpfSyscalls.SysBpfFor(Architecture.RiscV64));
        Assert.Throws<PlatformNotSupportedException>(() => LinuxBpfSyscalls.SysBpfFor(Architecture.X86));
    }

    [GeneratedRegex(@"#define\s+__NR_bpf\s+(\d+)")]
    private static partial Regex NrBpf();
}
