// Shared by every test project (linked via Directory.Build.targets in tests/).
using System.Diagnostics;

namespace CompatService.Tests.Shared;

/// <summary>
/// What the kernel lab needs on this machine: QEMU, busybox-static, the corpus image of 6.1, and the native agent
/// (published here once with `dotnet publish -r linux-x64 -p:PublishAot=true`, which needs clang + zlib1g-dev;
/// COMPAT_NATIVE_AGENT names a ready binary instead). Null reason: the lab can run.
/// </summary>
public static class LabHost
{
    public const string Kernel = "debian-6.1.0-56-amd64";
    public static string Image => Path.Combine(TestPaths.Corpus, "images", Kernel, "vmlinuz");
    public static string KernelDir => Path.Combine(TestPaths.Corpus, "btf", Kernel);

    /// <summary>Debian's linux-image package of the same 6.1 kernel (modules included): COMPAT_LAB_PACKAGE, else where
    /// scripts/fetch-lab-package.sh puts it.</summary>
    public static string Package => Environment.GetEnvironmentVariable("COMPAT_LAB_PACKAGE") is { Length: > 0 } p ? p
        : "/work/lab-pkgs/linux-image-6.1.0-56-amd64-unsigned_6.1.192-2_amd64.deb";
    /// <summary>Null when the package is there; else why not (the lab's own reasons first).</summary>
    /// <summary>The package tests compare with the corpus's 6.1 kernel directory: both are needed.</summary>
    public static string? PackageUnavailableReason => !TestPaths.HasCorpus ? TestPaths.NoCorpusReason : File.Exists(Package) ? null
        : $"{Package} is absent (scripts/fetch-lab-package.sh fetches it; COMPAT_LAB_PACKAGE names another path): no 6.1 package with modules to boot";

    private static readonly Lazy<string?> Reason = new(Find);
    private static readonly Lazy<string> Native = new(() => Environment.GetEnvironmentVariable("COMPAT_NATIVE_AGENT") is { Length: > 0 } given ? given : Publish());
    /// <summary>Cheap checks only (test discovery runs them); the publish happens on first use of <see cref="Agent"/>.</summary>
    public static string? UnavailableReason => Reason.Value;
    public static string Agent => Native.Value;

    private static string? Find()
    {
        if (!TestPaths.HasCorpus) return TestPaths.NoCorpusReason;
        if (!File.Exists(Image)) return $"{Image} is absent: the corpus has no 6.1 amd64 image to boot";
        if (!OnPath("qemu-system-x86_64")) return "qemu-system-x86_64 is absent (apt-get install qemu-system-x86): the kernel lab cannot boot";
        if (!File.Exists("/bin/busybox") || Dynamic("/bin/busybox"))
            return "/bin/busybox is absent or not static (apt-get install busybox-static)";
        if (Environment.GetEnvironmentVariable("COMPAT_NATIVE_AGENT") is { Length: > 0 } given)
            return File.Exists(given) ? null : $"COMPAT_NATIVE_AGENT={given} does not exist";
        if (!OnPath("clang") || !File.Exists("/usr/lib/x86_64-linux-gnu/libz.so"))
            return "clang or zlib1g-dev is absent: the native (AOT) agent the guest runs cannot be built";
        return null;
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    /// <summary>Whether `ldd` lists libraries for the binary (a static one says "not a dynamic executable").</summary>
    private static bool Dynamic(string binary)
    {
        var psi = new ProcessStartInfo("ldd") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(binary);
        using var p = Process.Start(psi)!;
        var text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 && text.Contains("=>", StringComparison.Ordinal);
    }

    private static string Publish()
    {
        var output = Path.Combine(TestPaths.RepoRoot, "tests", "artifacts", "native-agent");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = TestPaths.RepoRoot };
        foreach (var a in new[] { "publish", "src/CompatService.Agent/CompatService.Agent.csproj", "-r", "linux-x64", "-p:PublishAot=true", "-o", output, "-nologo", "-v", "q" })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        var agent = Path.Combine(output, "compat-agent");
        return p.ExitCode == 0 && File.Exists(agent)
            ? agent
            : throw new InvalidOperationException($"native agent publish failed (exit {p.ExitCode}):\n{stdout}\n{stderr.Result}");
    }
}

/// <summary>A fact that needs the 6.1 linux-image package (no VM); skipped with the reason when it is absent.</summary>
public sealed class LabPackageFactAttribute : FactAttribute
{
    public LabPackageFactAttribute() { if (LabHost.PackageUnavailableReason is { } r) Skip = r; }
}

/// <summary>A fact that boots the 6.1 package with its kfunc modules; skipped with the first missing piece.</summary>
public sealed class LabPackageBootFactAttribute : FactAttribute
{
    public LabPackageBootFactAttribute() { if ((LabHost.UnavailableReason ?? LabHost.PackageUnavailableReason) is { } r) Skip = r; }
}

/// <summary>A fact that boots the kernel lab; skipped with the first missing piece (corpus, QEMU, busybox, AOT toolchain).</summary>
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute() { if (LabHost.UnavailableReason is { } r) Skip = r; }
}

/// <summary>
/// What the arm64 lab needs: the corpus's 6.1 arm64 image, qemu-system-aarch64, and the output of
/// scripts/build-agent-arm64.sh (COMPAT_ARM64=DIR, default tests/artifacts/arm64: agent/compat-agent and sysroot/).
/// </summary>
public static class Arm64LabHost
{
    public const string Kernel = "debian-6.1.0-56-arm64";
    public static string Image => Path.Combine(TestPaths.Corpus, "images", Kernel, "Image.gz");
    public static string KernelDir => Path.Combine(TestPaths.Corpus, "btf", Kernel);
    public static string Root => Environment.GetEnvironmentVariable("COMPAT_ARM64") is { Length: > 0 } d ? d
        : Path.Combine(TestPaths.RepoRoot, "tests", "artifacts", "arm64");
    public static string Agent => Path.Combine(Root, "agent", "compat-agent");
    public static string Sysroot => Path.Combine(Root, "sysroot");

    public static string? UnavailableReason()
    {
        if (!TestPaths.HasCorpus) return TestPaths.NoCorpusReason;
        if (!File.Exists(Image)) return $"{Image} is absent: the corpus has no 6.1 arm64 image to boot";
        if (!LabHost.OnPath("qemu-system-aarch64")) return "qemu-system-aarch64 is absent (apt-get install qemu-system-arm): the arm64 lab cannot boot";
        if (!File.Exists(Agent) || !File.Exists(Path.Combine(Sysroot, "bin", "busybox")))
            return $"no arm64 agent and sysroot under {Root} (scripts/build-agent-arm64.sh builds them: NativeAOT cross-publish, " +
                "Debian arm64 packages; not done in CI)";
        return null;
    }
}
