using System.Text;
using CompatService.Lab;

namespace CompatService.Lab.Tests;

/// <summary>The lab's pieces that need no VM: the cpio writer, the results-port parser, the init script, arguments.</summary>
public sealed class LabUnitTests
{
    /// <summary>Reads newc entries back: (name, mode, data).</summary>
    internal static List<(string Name, int Mode, byte[] Data)> ReadCpio(byte[] a)
    {
        var list = new List<(string, int, byte[])>();
        var pos = 0;
        while (true)
        {
            Assert.Equal("070701", Encoding.ASCII.GetString(a, pos, 6));
            int Field(int i) => Convert.ToInt32(Encoding.ASCII.GetString(a, pos + 6 + i * 8, 8), 16);
            int mode = Field(1), size = Field(6), nameSize = Field(11);
            var name = Encoding.UTF8.GetString(a, pos + 110, nameSize - 1);
            Assert.Equal(0, a[pos + 110 + nameSize - 1]);
            pos += 110 + nameSize;
            pos += (4 - pos % 4) % 4;
            if (name == "TRAILER!!!") break;
            list.Add((name, mode, a[pos..(pos + size)]));
            pos += size;
            pos += (4 - pos % 4) % 4;
        }
        Assert.Equal(a.Length, pos);
        return list;
    }

    [Fact]
    public void Cpio_WritesNewcEntriesWithParentsAlignedAndATrailer()
    {
        using var ms = new MemoryStream();
        var w = new CpioWriter(ms);
        w.File("lab/obj/a.o", [1, 2, 3], 0x1ED);
        w.Symlink("bin/sh", "busybox");
        w.Close();
        var entries = ReadCpio(ms.ToArray());
        Assert.Equal(["lab", "lab/obj", "lab/obj/a.o", "bin", "bin/sh"], entries.Select(e => e.Name));
        Assert.Equal(CpioWriter.ModeDirectory | 0x1ED, entries[0].Mode);
        Assert.Equal(CpioWriter.ModeFile | 0x1ED, entries[2].Mode);
        Assert.Equal(new byte[] { 1, 2, 3 }, entries[2].Data);
        Assert.Equal("busybox", Encoding.UTF8.GetString(entries[4].Data));
    }

    [Fact]
    public void Cpio_RefusesDuplicatesAndEscapes()
    {
        var w = new CpioWriter(new MemoryStream());
        w.File("x", [1]);
        Assert.Throws<ArgumentException>(() => w.File("x", [2]));
        Assert.Throws<ArgumentException>(() => w.File("../etc/passwd", [2]));
    }

    private static readonly LabPlanEntry[] Plan = [new(0, "a.o", "0000-a.o", "p1"), new(1, "a.o", "0000-a.o", "p2"), new(2, "b.o", "0001-b.o", "q")];

    [Fact]
    public void Serial_ParsesFramesLoadedFailedTimeoutAndMissing()
    {
        var text = """
            noise from the kernel
            @@LAB-READY abc123 6.1.0-56-amd64
            @@LAB-BEGIN 0
            {"kernel":{"release":"6.1.0-56-amd64","btfSha256":"abc123"},"programs":[{"object":"/lab/obj/0000-a.o","name":"p1","predicted":"loads","loaded":true,"errno":null,"verifierTail":null,"reasons":[]}]}
            @@LAB-STDERR 0

            @@LAB-END 0 0
            @@LAB-BEGIN 1
            {"kernel":{"release":"x","btfSha256":"abc123"},"programs":[{"object":"o","name":"p2","predicted":"loads","loaded":false,"errno":13,"verifierTail":"R1 invalid mem access","reasons":[]}]}
            @@LAB-STDERR 1
            @@LAB-END 1 1
            @@LAB-BEGIN 2
            @@LAB-STDERR 2
            @@LAB-END 2 137
            """.Replace("\n", "\r\n", StringComparison.Ordinal);
        var p = LabSerial.Parse(text, Plan);
        Assert.Equal("abc123", p.GuestBtfSha256);
        Assert.Equal("6.1.0-56-amd64", p.GuestRelease);
        Assert.False(p.Done);
        Assert.Equal(LabStatus.Loaded, p.Programs[0].Status);
        Assert.Equal(LabStatus.Failed, p.Programs[1].Status);
        Assert.Equal(13, p.Programs[1].Errno);
        Assert.Equal("R1 invalid mem access", p.Programs[1].VerifierTail);
        Assert.Equal(LabStatus.Timeout, p.Programs[2].Status);
    }

    [Fact]
    public void Serial_ATruncatedFrameIsNotAResult()
    {
        var p = LabSerial.Parse("@@LAB-READY s r\n@@LAB-BEGIN 0\n{\"programs\":[{\"name\":\"p1\",\"loaded\":tr", Plan);
        Assert.Empty(p.Programs);
        Assert.Equal(0, p.LastBegun);
    }

    [Fact]
    public void InitScript_ChecksTheBtfLoadsEachProgramAloneUnderATimeoutAndPowersOff()
    {
        var script = LabInitramfs.InitScript(new LabRunOptions { Image = "i", Objects = [], Agent = "a", ProgramTimeout = TimeSpan.FromSeconds(7) });
        Assert.StartsWith("#!/bin/busybox sh\n", script, StringComparison.Ordinal);
        Assert.Contains("sha256sum /sys/kernel/btf/vmlinux", script, StringComparison.Ordinal);
        Assert.Contains("lab\\.btf=", script, StringComparison.Ordinal);
        Assert.Contains("timeout -s KILL 7 /lab/compat-agent load --force --size-maps --format json --program \"$prog\"", script, StringComparison.Ordinal);
        Assert.Contains("mount -t bpf bpf /sys/fs/bpf", script, StringComparison.Ordinal);
        Assert.Contains("poweroff -f", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_ReadsAKeptResultsLogForTheSameObjectsAndRefusesAnotherKernelOrPlan()
    {
        var files = new[] { "helper_enum_guard.bpfel.o", "rodata_gate.bpfel.o" }
            .Select(f => Path.Combine(CompatService.Tests.Shared.TestPaths.Fixtures, "bpf", f)).ToList();
        var objects = LabRunner.ReadObjects(files);
        var plan = LabRunner.Plan(objects);
        string Log(IEnumerable<LabPlanEntry> entries, bool done) =>
            "@@LAB-READY abc 5.10.0-46-amd64\n" + string.Concat(entries.Select(e =>
                $"@@LAB-BEGIN {e.Index}\n{{\"programs\":[{{\"object\":\"/lab/obj/{e.GuestObject}\",\"name\":\"{e.Program}\",\"loaded\":{(e.Index % 2 == 0 ? "true" : "false")},\"errno\":null}}]}}\n@@LAB-STDERR {e.Index}\n\n@@LAB-END {e.Index} 0\n"))
            + (done ? "@@LAB-DONE\n" : "");
        var dir = Directory.CreateTempSubdirectory("lab-replay-").FullName;
        try
        {
            var log = Path.Combine(dir, "results.log");
            File.WriteAllText(log, Log(plan, done: true));
            var run = LabReplay.Run("abc", null, objects, log, 1 << 20);
            Assert.True(run.Completed);
            Assert.Null(run.Aborted);
            Assert.Equal("5.10.0-46-amd64", run.Release);
            Assert.Equal(plan.Select(e => e.Index % 2 == 0 ? LabStatus.Loaded : LabStatus.Failed), run.Programs.Select(p => p.Status));

            Assert.Contains("is not this kernel's", Assert.Throws<LabException>(() => LabReplay.Run("def", null, objects, log, 1 << 20)).Message, StringComparison.Ordinal);
            var reversed = LabRunner.ReadObjects(files.AsEnumerable().Reverse());
            Assert.Contains("other objects or order", Assert.Throws<LabException>(() => LabReplay.Run("abc", null, reversed, log, 1 << 20)).Message, StringComparison.Ordinal);

            File.WriteAllText(log, Log(plan.Take(1), done: false));
            var partial = LabReplay.Run("abc", null, objects, log, 1 << 20);
            Assert.False(partial.Completed);
            Assert.NotNull(partial.Aborted);
            Assert.All(partial.Programs.Skip(1), p => Assert.Equal(LabStatus.NotRun, p.Status));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Serial_TheAgentsOwnLoaderLimitIsNotAnObservation()
    {
        var tail = CompatService.Engine.Preparation.LoaderLimits.StructOpsMaps;
        var text = "@@LAB-READY s r\n@@LAB-BEGIN 0\n{\"programs\":[{\"object\":\"/lab/obj/0000-a.o\",\"name\":\"p1\",\"loaded\":false,\"errno\":null,\"verifierTail\":\"" + tail + "\"}]}\n@@LAB-STDERR 0\n@@LAB-END 0 1\n"
            + "@@LAB-BEGIN 1\n{\"programs\":[{\"object\":\"/lab/obj/0000-a.o\",\"name\":\"p2\",\"loaded\":false,\"errno\":null,\"verifierTail\":\"struct_ops init_kern: struct bpf_struct_ops_hid_bpf_ops is not found in kernel BTF\"}]}\n@@LAB-STDERR 1\n@@LAB-END 1 1\n";
        var p = LabSerial.Parse(text, Plan);
        Assert.Equal((LabStatus.Unsupported, (bool?)null), (p.Programs[0].Status, p.Programs[0].Loaded));
        Assert.Equal((LabStatus.Failed, (bool?)false), (p.Programs[1].Status, p.Programs[1].Loaded));
    }
}
