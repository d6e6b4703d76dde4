using System.Globalization;
using CompatService.Lab;

namespace CompatService.Agent.Commands;

/// <summary>
/// A `compat-agent lab` option that takes a value: its name, help name and description (what <see cref="AgentCommandLine"/>
/// declares), with its default for the positive numbers and the allowed values of a choice (what <see cref="LabArgs"/> checks).
/// </summary>
public sealed record LabOption(string Name, string HelpName, string Description, int? Default = null, string[]? Allowed = null);

/// <summary>The options of `compat-agent lab`: declared here once, parsed from the raw list <see cref="AgentArgs.LabOptions"/>.</summary>
public static class LabArgs
{
    /// <summary>The options that take a value, in the order `--help` lists them.</summary>
    public static readonly LabOption[] Values =
    [
        new("--image", "VMLINUZ|DEB", "The kernel image (bzImage/vmlinuz) or a Debian linux-image package"),
        new("--kernel", "DIR", "The kernel's corpus directory (its BTF, config), when the image alone is not enough"),
        new("--agent", "NATIVE", "The native (AOT) agent copied into the guest (default: this binary when it is native)"),
        new("--busybox", "PATH", "A static busybox (default /bin/busybox, Debian's busybox-static; arm64: the sysroot's)"),
        new("--qemu", "PATH", "qemu-system-x86_64, or qemu-system-aarch64 for an arm64 Image (default from PATH)"),
        new("--sysroot", "DIR", "arm64 guest: Debian's arm64 libc6, libssl3, busybox-static unpacked (default $COMPAT_ARM64_SYSROOT; scripts/build-agent-arm64.sh)"),
        new("--accel", "auto|kvm|tcg", "KVM when /dev/kvm is usable, TCG otherwise (default auto)", Allowed: ["auto", "kvm", "tcg"]),
        new("--memory", "MB", "Guest memory (default 1024)", Default: 1024),
        new("--boot-timeout", "S", "Seconds until the guest must be up (default 120)", Default: 120),
        new("--program-timeout", "S", "Seconds per program load (default 60)", Default: 60),
        new("--output-cap", "BYTES", "Most console output read from the guest (default 256 MiB)", Default: 256 << 20),
        new("--work", "DIR", "Keep the initramfs and the console log here"),
        new("--replay", "RESULTS.LOG", "Compare a kept run's results.log (in its --work DIR) again with this engine, without booting"),
    ];

    /// <summary>The flags, in the order `--help` lists them (after the options that take a value).</summary>
    public static readonly (string Name, string Description)[] Flags =
    [
        ("--skip-bad-objects", "Skip objects that do not open (say which) instead of refusing the run"),
        ("--quiet", "No progress lines on stderr"),
        ("--no-modules", "Boot a package without inserting its kfunc-set modules (as a bare image)"),
    ];

    public static bool TakesValue(string arg) => Values.Any(o => o.Name == arg);

    public static LabRunOptions Parse(AgentArgs args, Action<string>? progress)
    {
        var v = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.LabOptions.Count; i++)
            if (TakesValue(args.LabOptions[i])) v[args.LabOptions[i]] = args.LabOptions[++i];
        var image = v.GetValueOrDefault("--image") ?? throw new InputException("lab needs --image VMLINUZ|DEB");
        var accel = v.GetValueOrDefault("--accel", "auto");
        if (!Option("--accel").Allowed!.Contains(accel)) throw new InputException($"--accel must be auto, kvm or tcg, not '{accel}'");
        return new LabRunOptions
        {
            Image = image,
            KernelDirectory = v.GetValueOrDefault("--kernel"),
            Objects = args.Objects,
            Agent = v.GetValueOrDefault("--agent") ?? SelfIfNative() ?? (v.ContainsKey("--replay") ? "" : null) ?? throw new InputException(
                "lab needs --agent PATH to the native agent (dotnet publish src/CompatService.Agent -r linux-x64 -p:PublishAot=true; arm64: scripts/build-agent-arm64.sh), or run the native agent itself"),
            Busybox = v.GetValueOrDefault("--busybox"),
            Qemu = v.GetValueOrDefault("--qemu"),
            Sysroot = v.GetValueOrDefault("--sysroot"),
            Accel = accel,
            MemoryMb = Int(v, "--memory"),
            BootTimeout = TimeSpan.FromSeconds(Int(v, "--boot-timeout")),
            ProgramTimeout = TimeSpan.FromSeconds(Int(v, "--program-timeout")),
            OutputCap = Int(v, "--output-cap"),
            WorkDirectory = v.GetValueOrDefault("--work"),
            Replay = v.GetValueOrDefault("--replay"),
            Progress = args.LabOptions.Contains("--quiet") ? null : progress,
        };
    }

    private static LabOption Option(string name) => Values.First(o => o.Name == name);

    private static int Int(Dictionary<string, string> v, string key)
    {
        if (!v.TryGetValue(key, out var s)) return Option(key).Default!.Value;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new InputException($"{key} needs a positive number, not '{s}'");
    }

    /// <summary>This process when it is the native agent (not `dotnet compat-agent.dll`).</summary>
    private static string? SelfIfNative() =>
        Environment.ProcessPath is { } p && Path.GetFileName(p) == "compat-agent" ? p : null;
}
