using CompatService.Loader.Discovery;
using CompatService.Loader.Syscalls;
using CompatService.Tests.Shared;

namespace CompatService.Loader.Tests.Discovery;

/// <summary>The kernel's BTF objects as bpf(2) lists them (fake and real), and the host session over them.</summary>
public class KernelBtfObjectsTests
{
    [Fact]
    public void KernelBtfObjects_KeepsOneFdPerModuleInIdOrder()
    {
        var fake = new FakeBpfSyscalls();
        fake.BtfObjects[1] = ("vmlinux", true);
        fake.BtfObjects[5] = ("nf_conntrack", true);
        fake.BtfObjects[6] = ("", false);          // a program's BTF
        fake.BtfObjects[9] = ("fou", true);
        using var objs = KernelBtfObjects.Discover(new BpfApi(fake));
        Assert.Equal(1u, objs.VmlinuxId);
        Assert.Equal(["nf_conntrack", "fou"], objs.Modules.Select(m => m.Name));
        Assert.Equal(2, objs.ModuleFds.Count);
        Assert.Equal(2, fake.Closed.Count); // vmlinux's and the program BTF's fds closed at once
    }

    [BpfFact]
    public void RealHost_DiscoveryMatchesTheKernel()
    {
        var s = Host.Session;
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), s.Host.Release);
        Assert.NotNull(s.BtfObjects.VmlinuxId);
        Assert.Equal(s.Host.Modules.Count, s.BtfObjects.Modules.Count);
    }
}
