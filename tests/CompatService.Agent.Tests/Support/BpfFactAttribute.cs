using CompatService.Engine.Asm;
using CompatService.Engine.Binary;
using CompatService.Loader.Syscalls;

namespace CompatService.Agent.Tests.Support;

/// <summary>Probes once whether this process may load BPF programs (root / CAP_BPF, bpf(2) not filtered).</summary>
public static class BpfHost
{
    private static readonly Lazy<string?> Reason = new(Probe);

    /// <summary>Null when bpf(2) works here; otherwise why not.</summary>
    public static string? UnavailableReason => Reason.Value;

    private static string? Probe()
    {
        if (!LinuxBpfSyscalls.IsSupportedPlatform) return "bpf(2) needs Linux on x86_64 or arm64";
        try
        {
            var api = new BpfApi(LinuxBpfSyscalls.Instance);
            var r = api.ProgLoad(new ProgLoadRequest
            {
                ProgType = 6, // XDP
                Instructions = Instruction.EncodeAll([new(0xb7, 0, 0, 0, 2), new(0x95, 0, 0, 0, 0)], Endian.Little),
                License = "GPL",
                Name = "probe",
            });
            using var fd = r.Fd;
            return r.Succeeded ? null : $"BPF_PROG_LOAD of a trivial XDP program failed here with {Errno.Name(r.Errno)} (not root / no CAP_BPF?)";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return "libc syscall() not available: " + e.Message;
        }
    }
}

/// <summary>A fact that runs only where bpf(2) program loading works; otherwise skipped with the reason.</summary>
public sealed class BpfFactAttribute : FactAttribute
{
    public BpfFactAttribute() { if (BpfHost.UnavailableReason is { } r) Skip = r; }
}

/// <summary>A fact that needs this host's kernel BTF (/sys/kernel/btf/vmlinux) but not bpf(2).</summary>
public sealed class HostBtfFactAttribute : FactAttribute
{
    public HostBtfFactAttribute()
    {
        if (!File.Exists("/sys/kernel/btf/vmlinux")) Skip = "/sys/kernel/btf/vmlinux is absent: this kernel has no BTF (CONFIG_DEBUG_INFO_BTF)";
    }
}

/// <summary>A fact that needs both the shared corpus and bpf(2); skipped with the first missing reason.</summary>
public sealed class CorpusBpfFactAttribute : FactAttribute
{
    public CorpusBpfFactAttribute()
    {
        if (!CompatService.Tests.Shared.TestPaths.HasCorpus) Skip = CompatService.Tests.Shared.TestPaths.NoCorpusReason;
        else if (BpfHost.UnavailableReason is { } r) Skip = r;
    }
}
