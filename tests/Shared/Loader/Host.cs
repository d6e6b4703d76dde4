using CompatService.HostKernels;
using CompatService.Loader.Discovery;
using CompatService.Loader.Syscalls;

namespace CompatService.Tests.Shared;

/// <summary>One discovered host per test process (parsing vmlinux BTF once).</summary>
public static class Host
{
    private static readonly Lazy<HostSession> Shared = new(() =>
        new HostSession(HostKernel.Discover(), new BpfApi(LinuxBpfSyscalls.Instance)));

    public static HostSession Session => Shared.Value;
}
