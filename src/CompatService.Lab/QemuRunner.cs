using System.Diagnostics;
using System.Text;

namespace CompatService.Lab;

/// <summary>
/// Boots qemu-system-x86_64 or -aarch64 (<see cref="LabArch"/>; -nographic, -no-reboot, kernel console to a file,
/// results on a second serial port to another)
/// and watches it: a boot timeout until the guest says READY, a progress timeout between programs, an output cap.
/// </summary>
public sealed class QemuRunner(LabRunOptions options, LabArch? arch = null)
{
    private readonly LabArch _arch = arch ?? LabArch.Amd64;

    public static bool KvmUsable()
    {
        try
        {
            using var f = new FileStream("/dev/kvm", FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public string Accel => _arch.Accel(options.Accel, KvmUsable);

    public IReadOnlyList<string> Arguments(string kernel, string initrd, string console, string results, string append) =>
    [
        .. _arch.MachineArguments(Accel, options.MemoryMb, console, results),
        "-kernel", kernel, "-initrd", initrd, "-append", append,
    ];

    /// <summary>Runs the VM to its end or to a bound; returns why it was stopped (null: it powered off by itself).</summary>
    public async Task<(string? Aborted, TimeSpan BootTime)> RunAsync(string kernel, string initrd, string console, string results,
        string append, int programs, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(_arch.QemuFor(options))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in Arguments(kernel, initrd, console, results, append)) psi.ArgumentList.Add(a);
        using var qemu = Process.Start(psi) ?? throw new LabException($"cannot start {_arch.QemuFor(options)}");
        qemu.StandardInput.Close();
        var stderr = qemu.StandardError.ReadToEndAsync(ct);
        _ = qemu.StandardOutput.ReadToEndAsync(ct);
        var start = Stopwatch.StartNew();
        TimeSpan bootTime = default;
        var lastProgress = TimeSpan.Zero;
        var ends = 0;
        string? aborted = null;
        try
        {
            while (!qemu.HasExited)
            {
                await Task.Delay(250, ct);
                var (size, ready, newEnds) = Peek(results);
                if (ready && bootTime == default) { bootTime = start.Elapsed; lastProgress = start.Elapsed; }
                if (newEnds != ends) { ends = newEnds; lastProgress = start.Elapsed; options.Progress?.Invoke($"{ends}/{programs} programs"); }
                if (size > options.OutputCap) { aborted = $"output cap of {options.OutputCap} bytes reached"; break; }
                if (!ready && start.Elapsed > options.BootTimeout) { aborted = $"no READY from the guest within the boot timeout of {options.BootTimeout.TotalSeconds:0} s"; break; }
                if (ready && start.Elapsed - lastProgress > options.ProgramTimeout + TimeSpan.FromSeconds(30))
                { aborted = $"the guest made no progress for {(start.Elapsed - lastProgress).TotalSeconds:0} s after program {ends}"; break; }
            }
        }
        finally
        {
            if (!qemu.HasExited) { qemu.Kill(entireProcessTree: true); await qemu.WaitForExitAsync(CancellationToken.None); }
        }
        var err = (await stderr).Trim();
        if (aborted is null && qemu.ExitCode != 0 && !File.Exists(results)) aborted = $"qemu exited {qemu.ExitCode}: {err}";
        return (aborted, bootTime);
    }

    private long _offset;
    private bool _ready;
    private int _ends;
    private string _carry = "";

    /// <summary>Size of the results file, whether READY was written, how many programs ended (reads only what is new).</summary>
    private (long Size, bool Ready, int Ends) Peek(string results)
    {
        if (!File.Exists(results)) return (0, false, 0);
        using var f = new FileStream(results, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (f.Length > _offset)
        {
            f.Seek(_offset, SeekOrigin.Begin);
            var buf = new byte[Math.Min(f.Length - _offset, 4 << 20)];
            var n = f.Read(buf, 0, buf.Length);
            _offset += n;
            var text = _carry + Encoding.UTF8.GetString(buf, 0, n);
            var lastNl = text.LastIndexOf('\n');
            _carry = lastNl < 0 ? text : text[(lastNl + 1)..];
            foreach (var line in (lastNl < 0 ? "" : text[..lastNl]).Split('\n'))
            {
                if (line.StartsWith(LabSerial.Ready, StringComparison.Ordinal)) _ready = true;
                else if (line.StartsWith(LabSerial.End + " ", StringComparison.Ordinal)) _ends++;
            }
            if (_carry.Length > 1 << 16) _carry = "";
        }
        return (f.Length, _ready, _ends);
    }
}
