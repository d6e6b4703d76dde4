using System.Runtime.InteropServices;

namespace CompatService.Lab;

/// <summary>
/// The guest architecture of a lab run: which QEMU and machine boot it, which serial ports carry the kernel console and
/// the results, the ELF machine the native agent and busybox must have, and where its shared libraries live.
/// amd64: qemu-system-x86_64 (pc), console ttyS0, results ttyS1 (a second 16550). arm64: qemu-system-aarch64
/// <c>-M virt</c>, console ttyAMA0 (the PL011, the board's only UART), results on a PCI 16550 (<c>pci-serial</c>: Debian's
/// arm64 kernel has SERIAL_8250_PCI built in, virtio-console only as a module), which the guest sees as ttyS0.
/// </summary>
public sealed record LabArch(string Name, ushort ElfMachine, string Qemu, string ConsoleTty, string ResultsTty, string Triplet)
{
    public static readonly LabArch Amd64 = new("amd64", 62, "qemu-system-x86_64", "ttyS0", "/dev/ttyS1", "x86_64-linux-gnu");
    public static readonly LabArch Arm64 = new("arm64", 183, "qemu-system-aarch64", "ttyAMA0", "/dev/ttyS0", "aarch64-linux-gnu");

    /// <summary>Environment variable naming the arm64 sysroot (Debian's arm64 libc6, libssl3, busybox-static unpacked).</summary>
    public const string SysrootVariable = "COMPAT_ARM64_SYSROOT";

    /// <summary>The lab architecture of a kernel (Debian name or uname -m); amd64 when the image does not say.</summary>
    public static LabArch For(string? arch) => arch switch
    {
        null or "amd64" or "x86_64" => Amd64,
        "arm64" or "aarch64" => Arm64,
        _ => throw new LabException($"the lab boots amd64 and arm64 kernels, not {arch}"),
    };

    /// <summary>The architecture this process runs on (KVM is only usable for a guest of the same architecture).</summary>
    public static LabArch? Host => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => Amd64,
        Architecture.Arm64 => Arm64,
        _ => null,
    };

    public bool IsHost => Host == this;

    /// <summary>The accelerator: kvm/tcg as asked; auto = KVM when /dev/kvm is usable and the guest is of the host's architecture.</summary>
    public string Accel(string requested, Func<bool> kvmUsable) => requested switch
    {
        "kvm" => "kvm",
        "tcg" => "tcg",
        _ => IsHost && kvmUsable() ? "kvm" : "tcg",
    };

    /// <summary>The CPU model: the host's under KVM; under TCG `max` (arm64: with the cheap implementation-defined
    /// pointer-authentication algorithm, which TCG emulates many times faster than QARMA and the guest cannot tell apart).</summary>
    public string Cpu(string accel) => accel == "kvm" ? "host" : this == Arm64 ? "max,pauth-impdef=on" : "max";

    /// <summary>QEMU's machine, accelerator, CPU and memory, and the two serial ports (console to one file, results to another).</summary>
    public IReadOnlyList<string> MachineArguments(string accel, int memoryMb, string console, string results)
    {
        var args = new List<string>();
        if (this == Arm64) args.AddRange(["-M", "virt"]);
        args.AddRange(["-accel", accel, "-cpu", Cpu(accel), "-m", memoryMb.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-smp", "1", "-nographic", "-no-reboot", "-monitor", "none", "-nodefaults",
            "-chardev", $"file,id=con,path={console}", "-serial", "chardev:con",
            "-chardev", $"file,id=res,path={results}"]);
        args.AddRange(this == Arm64 ? ["-device", "pci-serial,chardev=res"] : ["-serial", "chardev:res"]);
        return args;
    }

    /// <summary>The kernel command line: console on this architecture's console port, the BTF hash the guest must show.</summary>
    public string KernelCommandLine(string btfSha256) =>
        $"console={ConsoleTty} panic=-1 loglevel=4 rdinit=/init lab.btf={btfSha256}";

    /// <summary>The QEMU binary: the one asked for, else this architecture's from PATH.</summary>
    public string QemuFor(LabRunOptions o) => o.Qemu ?? Qemu;

    /// <summary>
    /// The sysroot the guest's libraries and busybox come from when the guest is not of the host's architecture:
    /// <see cref="LabRunOptions.Sysroot"/>, else $COMPAT_ARM64_SYSROOT; null for a native guest (the host's own files).
    /// </summary>
    public string? SysrootFor(LabRunOptions o)
    {
        if (IsHost && o.Sysroot is null) return null;
        var s = o.Sysroot ?? Environment.GetEnvironmentVariable(SysrootVariable);
        if (string.IsNullOrEmpty(s))
            throw new LabException($"an {Name} guest needs --sysroot DIR (or ${SysrootVariable}) with Debian's {Name} libc6, libssl3 and " +
                "busybox-static unpacked: scripts/build-agent-arm64.sh prepares one");
        if (!Directory.Exists(s)) throw new LabException($"sysroot {s}: no such directory (scripts/build-agent-arm64.sh prepares one)");
        return s;
    }

    /// <summary>The static busybox put into the guest: the one asked for, the sysroot's, or the host's /bin/busybox.</summary>
    public string BusyboxFor(LabRunOptions o) =>
        o.Busybox ?? (SysrootFor(o) is { } s ? Path.Combine(s, "bin", "busybox") : "/bin/busybox");
}
