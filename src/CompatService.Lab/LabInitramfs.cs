using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace CompatService.Lab;

/// <summary>One program the guest loads alone: its index (the frame number on the serial port), object and name.</summary>
public sealed record LabPlanEntry(int Index, string ObjectFile, string GuestObject, string Program);

/// <summary>
/// Builds the guest's initramfs: /init (busybox sh), busybox-static, the native agent with exactly the shared libraries
/// `ldd` lists (and the dynamic loader), the kernel config at /boot/config-&lt;release&gt;, the objects and the plan, and the
/// modules to insert (/lab/mod/NN-name.ko, their order in /lab/modules; empty for a bare image).
/// </summary>
public static partial class LabInitramfs
{
    public const string AgentPath = "/lab/compat-agent";

    public static void Write(Stream output, LabRunOptions options, string? release, string? config, IReadOnlyList<LabPlanEntry> plan,
        IReadOnlyDictionary<string, byte[]> guestObjects, LabArch? arch = null, IReadOnlyList<LabModule>? modules = null)
    {
        arch ??= LabArch.Amd64;
        var cpio = new CpioWriter(output);
        foreach (var d in new[] { "bin", "sbin", "dev", "proc", "sys", "tmp", "boot", "lab/obj", "etc" }) cpio.Directory(d);
        cpio.File("bin/busybox", File.ReadAllBytes(arch.BusyboxFor(options)), 0x1ED);
        cpio.Symlink("bin/sh", "busybox");
        cpio.File(AgentPath.TrimStart('/'), File.ReadAllBytes(options.Agent), 0x1ED);
        foreach (var lib in AgentFiles(options, arch))
            cpio.File(lib.GuestPath.TrimStart('/'), File.ReadAllBytes(lib.HostPath), 0x1ED);
        if (release is not null && config is not null) cpio.File($"boot/config-{release}", Encoding.UTF8.GetBytes(config));
        foreach (var (name, bytes) in guestObjects) cpio.File($"lab/obj/{name}", bytes);
        var planText = new StringBuilder();
        foreach (var e in plan) planText.Append(e.Index).Append(' ').Append(e.GuestObject).Append(' ').Append(e.Program).Append('\n');
        cpio.File("lab/plan", Encoding.UTF8.GetBytes(planText.ToString()));
        var order = new StringBuilder();
        foreach (var (m, i) in (modules ?? []).Select((m, i) => (m, i)))
        {
            var file = $"{i:D2}-{m.Name}.ko";
            cpio.File($"lab/mod/{file}", m.Ko);
            order.Append(file).Append(' ').Append(m.Name).Append('\n');
        }
        cpio.File("lab/modules", Encoding.UTF8.GetBytes(order.ToString()));
        cpio.File("init", Encoding.UTF8.GetBytes(InitScript(options, arch)), 0x1ED);
        cpio.Close();
    }

    /// <summary>
    /// The guest's PID 1: mounts, checks the BTF sha256 against `lab.btf=` on the command line (refuses on mismatch),
    /// inserts the modules of /lab/modules in order (busybox insmod; each result on the results port, a failure is
    /// reported, not fatal), runs `compat-agent load --force --format json --program P OBJ` for each plan line under `timeout`, frames each
    /// answer on the second serial port (ttyS1) and powers off.
    /// </summary>
    public static string InitScript(LabRunOptions o, LabArch? arch = null) => $$"""
        #!/bin/busybox sh
        /bin/busybox --install -s /bin
        export PATH=/bin:/sbin HOME=/tmp DOTNET_gcServer=0 DOTNET_TieredCompilation=0
        mount -t proc proc /proc
        mount -t sysfs sys /sys
        mount -t devtmpfs dev /dev
        mount -t tmpfs tmp /tmp
        mount -t bpf bpf /sys/fs/bpf
        mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
        mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
        stty -F {{(arch ?? LabArch.Amd64).ResultsTty}} raw -echo 2>/dev/null
        exec 3>{{(arch ?? LabArch.Amd64).ResultsTty}}
        want=$(sed -n 's/.*lab\.btf=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
        if [ -r /sys/kernel/btf/vmlinux ]; then got=$(sha256sum /sys/kernel/btf/vmlinux | cut -d' ' -f1); else got=none; fi
        echo "{{LabSerial.Ready}} $got $(uname -r)" >&3
        if [ "$got" != "$want" ]; then
          echo "{{LabSerial.Refused}} guest BTF $got is not the expected $want" >&3
        else
          while read -r file name; do
            out=$(insmod "/lab/mod/$file" 2>&1)
            rc=$?
            echo "lab: insmod $name: $rc $out"
            echo "{{LabSerial.Insmod}} $name $rc $(echo "$out" | tr '\n' ' ' | head -c 300)" >&3
          done < /lab/modules
          while read -r n obj prog; do
            echo "{{LabSerial.Begin}} $n" >&3
            timeout -s KILL {{o.ProgramTimeout.TotalSeconds:0}} {{AgentPath}} load --force --size-maps --format json --program "$prog" "/lab/obj/$obj" </dev/null >/tmp/out 2>/tmp/err
            rc=$?
            head -c {{o.ProgramOutputCap}} /tmp/out >&3
            echo "{{LabSerial.Stderr}} $n" >&3
            head -c 2048 /tmp/err >&3
            echo "" >&3
            echo "{{LabSerial.End}} $n $rc" >&3
          done < /lab/plan
          echo "{{LabSerial.Done}}" >&3
        fi
        sync
        poweroff -f
        reboot -f

        """.Replace("\r", "", StringComparison.Ordinal);

    /// <summary>
    /// The agent's libraries as guest files: for a guest of the host's architecture the host's own (<see cref="AgentLibraries"/>,
    /// same path in the guest); for another architecture the sysroot's (<see cref="GuestLibraries.Resolve"/>: `ldd` cannot
    /// run a foreign binary), with OpenSSL for the same reason as below.
    /// </summary>
    public static IReadOnlyList<GuestFile> AgentFiles(LabRunOptions options, LabArch arch) =>
        arch.SysrootFor(options) is { } sysroot
            ? GuestLibraries.Resolve(options.Agent, sysroot, arch, "libssl.so.3")
            : AgentLibraries(options.Agent).Select(p => new GuestFile(p, p)).ToList();

    /// <summary>
    /// What the native agent needs: the libraries `ldd` lists for it, plus OpenSSL (libssl.so.3 and what `ldd` lists for
    /// it), which .NET's crypto shim dlopens at run time for SHA-256 (ldd cannot see a dlopen). ICU is not needed
    /// (InvariantGlobalization).
    /// </summary>
    public static IReadOnlyList<string> AgentLibraries(string agent)
    {
        var libs = new List<string>(SharedLibraries(agent));
        if (libs.Count == 0) return libs; // a static binary
        var ssl = FindLibrary("libssl.so.3") ?? throw new LabException("libssl.so.3 not found (the native agent's SHA-256 needs OpenSSL: apt-get install libssl3)");
        libs.Add(ssl);
        libs.AddRange(SharedLibraries(ssl));
        return libs.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string? FindLibrary(string soname)
    {
        foreach (var dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib" })
            if (File.Exists(Path.Combine(dir, soname))) return Path.Combine(dir, soname);
        return null;
    }

    /// <summary>Absolute paths of the shared libraries and loader `ldd` lists for a dynamically linked binary (none if static).</summary>
    public static IReadOnlyList<string> SharedLibraries(string binary)
    {
        var psi = new ProcessStartInfo("ldd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(binary);
        using var p = Process.Start(psi) ?? throw new LabException("cannot run ldd");
        var text = p.StandardOutput.ReadToEnd();
        p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (text.Contains("not a dynamic executable", StringComparison.Ordinal) || p.ExitCode != 0 && text.Length == 0) return [];
        var libs = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Contains("not found", StringComparison.Ordinal)) throw new LabException($"ldd {binary}: {line.Trim()}");
            var m = LddPath().Match(line);
            if (m.Success) libs.Add(m.Groups[1].Value);
        }
        return libs.Distinct(StringComparer.Ordinal).ToList();
    }

    [GeneratedRegex(@"(?:=>\s*)?(/\S+)\s+\(0x[0-9a-f]+\)")]
    private static partial Regex LddPath();
}

/// <summary>A lab run that cannot start or is refused (missing tool, bad image, BTF mismatch).</summary>
public sealed class LabException(string message) : Exception(message);
