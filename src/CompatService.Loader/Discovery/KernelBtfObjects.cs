using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Discovery;

/// <summary>
/// The kernel's BTF objects through bpf(2): BTF_GET_NEXT_ID → BTF_GET_FD_BY_ID → OBJ_GET_INFO_BY_FD. Keeps an fd
/// per module BTF (kernel_btf, name ≠ vmlinux), in BTF object id order, for fd_array slots and ld_imm64.
/// </summary>
public sealed class KernelBtfObjects : IDisposable
{
    private readonly List<(uint Id, string Name, BpfFd Fd)> _modules = [];

    public uint? VmlinuxId { get; private set; }
    public IReadOnlyList<(uint Id, string Name, BpfFd Fd)> Modules => _modules;

    /// <summary>Module name → fd number.</summary>
    public IReadOnlyDictionary<string, int> ModuleFds => _modules.ToDictionary(m => m.Name, m => m.Fd.Value);

    public static KernelBtfObjects Discover(BpfApi bpf)
    {
        var result = new KernelBtfObjects();
        uint id = 0;
        while (bpf.BtfGetNextId(id) is { } next)
        {
            id = next;
            BpfFd fd;
            try { fd = bpf.BtfGetFdById(id); }
            catch (BpfException e) when (e.Errno == Errno.ENOENT) { continue; } // freed between the two calls
            var info = bpf.BtfInfo(fd);
            if (info.KernelBtf && info.Name == "vmlinux") { result.VmlinuxId = id; fd.Dispose(); }
            else if (info.KernelBtf && info.Name.Length > 0) result._modules.Add((id, info.Name, fd));
            else fd.Dispose();
        }
        return result;
    }

    public void Dispose()
    {
        foreach (var m in _modules) m.Fd.Dispose();
        _modules.Clear();
    }
}
