using System.Globalization;
using CompatService.Lab;

namespace CompatService.Agent.Commands;

/// <summary>The options of `compat-agent lab` (parsed from the raw list <see cref="AgentArgs.LabOptions"/>).</summary>
public static class LabArgs
{
    private static readonly string[] ValueOptions =
        ["--image", "--kernel", "--agent", "--busybox", "--qemu", "--accel", "--memory", "--boot-timeout", "--program-timeout", "--output-cap", "--work", "--replay", "--sysroot"];

    public static bool TakesValue(string arg) => ValueOptions.Contains(arg);
    public static bool IsFlag(string arg) => arg is "--quiet" or "--skip-bad-objects" or "--no-modules";

    public static LabRunOptions Parse(AgentArgs args, Action<string>? progress)
    {
        var v = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.LabOptions.Count; i++)
            if (TakesValue(args.LabOptions[i])) v[args.LabOptions[i]] = args.LabOptions[++i];
        var image = v.GetValueOrDefault("--image") ?? throw new InputException("lab needs --image VMLINUZ|DEB");
        var accel = v.GetValueOrDefault("--accel", "auto");
        if (accel is not ("auto" or "kvm" or "tcg")) throw new InputException($"--accel must be auto, kvm or tcg, not '{accel}'");
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
            MemoryMb = Int(v, "--memory", 1024),
            BootTimeout = TimeSpan.FromSeconds(Int(v, "--boot-timeout", 120)),
            ProgramTimeout = TimeSpan.FromSeconds(Int(v, "--program-timeout", 60)),
            OutputCap = Int(v, "--output-cap", 256 << 20),
            WorkDirectory = v.GetValueOrDefault("--work"),
            Replay = v.GetValueOrDefault("--replay"),
            Progress = args.LabOptions.Contains("--quiet") ? null : progress,
        };
    }

    private static int Int(Dictionary<string, string> v, string key, int fallback)
    {
        if (!v.TryGetValue(key, out var s)) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n : throw new InputException($"{key} needs a positive number, not '{s}'");
    }

    /// <summary>This process when it is the native agent (not `dotnet compat-agent.dll`).</summary>
    private static string? SelfIfNative() =>
        Environment.ProcessPath is { } p && Path.GetFileName(p) == "compat-agent" ? p : null;
}
