namespace CompatService.Lab;

/// <summary>What to boot, what to load, and the bounds of one lab run.</summary>
public sealed record LabRunOptions
{
    /// <summary>bzImage / vmlinuz, or a Debian linux-image package (its vmlinuz and config are taken from it).</summary>
    public required string Image { get; init; }
    /// <summary>Optional stored kernel directory (../shared/corpus/btf/&lt;kernel&gt;/): expected BTF, config, predictions.</summary>
    public string? KernelDirectory { get; init; }
    public required IReadOnlyList<string> Objects { get; init; }
    /// <summary>The native (AOT) compat-agent binary put into the guest.</summary>
    public required string Agent { get; init; }
    /// <summary>A static busybox for the guest; null: the host's /bin/busybox, or the sysroot's for another architecture.</summary>
    public string? Busybox { get; init; }
    /// <summary>The QEMU binary; null: the kernel's architecture's (qemu-system-x86_64, qemu-system-aarch64) from PATH.</summary>
    public string? Qemu { get; init; }
    /// <summary>Where a guest of another architecture gets its libraries and busybox (<see cref="LabArch.SysrootFor"/>).</summary>
    public string? Sysroot { get; init; }
    /// <summary>auto (KVM when /dev/kvm is usable, else TCG), kvm or tcg.</summary>
    public string Accel { get; init; } = "auto";
    public int MemoryMb { get; init; } = 1024;
    public TimeSpan BootTimeout { get; init; } = TimeSpan.FromSeconds(120);
    public TimeSpan ProgramTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Bytes of one program's JSON kept; the results port as a whole is capped at <see cref="OutputCap"/>.</summary>
    public int ProgramOutputCap { get; init; } = 256 * 1024;
    public long OutputCap { get; init; } = 256L * 1024 * 1024;
    /// <summary>Where the initramfs and serial logs are written (a fresh temp directory when null; kept when given).</summary>
    public string? WorkDirectory { get; init; }
    /// <summary>A kept run's results.log: compare it again with this engine instead of booting (<see cref="LabReplay"/>).</summary>
    public string? Replay { get; init; }
    /// <summary>Called with progress lines (boot, each finished program).</summary>
    public Action<string>? Progress { get; init; }
}

/// <summary>The outcome of a lab run: the guest's identity, each program's real outcome, how the run ended.</summary>
public sealed record LabRunResult
{
    public required string ExpectedBtfSha256 { get; init; }
    public string? GuestBtfSha256 { get; init; }
    public string? Release { get; init; }
    public required string Accel { get; init; }
    /// <summary>Non-null when the run was refused (BTF mismatch) or aborted (boot timeout, output cap, guest hang).</summary>
    public string? Refused { get; init; }
    public string? Aborted { get; init; }
    public bool Completed { get; init; }
    public TimeSpan BootTime { get; init; }
    public TimeSpan Elapsed { get; init; }
    public required IReadOnlyList<LabProgramResult> Programs { get; init; }
    /// <summary>The modules the guest tried to insert before loading (a package's kfunc-set modules), with insmod's result.</summary>
    public IReadOnlyList<LabInsmod> Modules { get; init; } = [];
    /// <summary>The names of the modules really inserted (the prediction's kernel carries their BTF).</summary>
    public IReadOnlyList<string> Inserted => Modules.Where(m => m.Inserted).Select(m => m.Name).ToList();
    /// <summary>The last lines of the kernel console (ttyS0), for diagnosis.</summary>
    public string ConsoleTail { get; init; } = "";
}
