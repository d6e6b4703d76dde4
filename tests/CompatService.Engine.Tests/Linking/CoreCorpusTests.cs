using System.Diagnostics;
using System.Text.Json;
using CompatService.Engine.Analysis;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;
using CompatService.Tests.Shared;
using Xunit.Abstractions;

namespace CompatService.Engine.Tests.Linking;

/// <summary>
/// Cross-check against libbpf on the 6.18 host kernel: every CO-RE relocation of every corpus program libbpf loaded there
/// resolves (libbpf would have failed the load on a refused relocation, and the verifier on a reached poisoned one).
/// </summary>
public sealed class CoreCorpusTests(ITestOutputHelper output)
{
    /// <summary>Every object of the corpus, every program: records in .BTF.ext vs relocations placed, statuses, time.</summary>
    private static string Totals(string root, Kernels.KernelBtfSet kernel)
    {
        int objects = 0, records = 0, placed = 0, patched = 0, poisoned = 0, failed = 0;
        var clock = new Stopwatch();
        var unplaced = new List<string>();
        foreach (var path in Directory.GetFiles(root, "*.o", SearchOption.AllDirectories))
        {
            BpfObject obj;
            try { obj = BpfObject.Parse(File.ReadAllBytes(path)); } catch (CompatService.Engine.Binary.BpfFormatException) { continue; }
            if (obj.BtfExt is not { CoreRelos.Count: > 0 } ext) continue;
            objects++;
            var inObject = ext.CoreRelos.Values.Sum(v => v.Count);
            records += inObject;
            var placedHere = new HashSet<(string, uint)>();
            clock.Start();
            foreach (var program in obj.Programs)
            {
                var core = CoreRelocator.Compute(obj, program, kernel);
                placed += core.Count;
                patched += core.Count(c => c.Status == CoreRelocationStatus.Patched);
                poisoned += core.Count(c => c.Status == CoreRelocationStatus.Poisoned);
                foreach (var c in core.Where(c => c.Status == CoreRelocationStatus.Poisoned)) unplaced.Add($"{c.Kind} {c.Path}");
                failed += core.Count(c => c.Status == CoreRelocationStatus.Failed);
            }
            clock.Stop();
        }
        return $"all programs of {objects} CO-RE objects: {records} core_relo records, {placed} relocations placed in linked programs " +
               $"({patched} patched, {poisoned} poisoned, {failed} refused), {clock.Elapsed.TotalMilliseconds / Math.Max(1, objects):F1} ms per object; poisoned: " +
               string.Join(", ", unplaced.GroupBy(x => x).OrderByDescending(g => g.Count()).Take(12).Select(g => $"{g.Key} x{g.Count()}"));
    }

    [CorpusFact]
    public void CoreRelocations_OfProgramsLibbpfLoaded_OnHost618_AllResolve()
    {
        var root = Path.Combine(TestPaths.Corpus, "objects");
        using var loads = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "loads-6.18.json")));
        var kernel = TestData.Kernel(TestData.CorpusKernelDir("host-6.18.44-fc-v669-x86_64")).Btf;
        var byFile = loads.RootElement.GetProperty("results").EnumerateArray().ToDictionary(r => r.GetProperty("file").GetString()!);
        int objects = 0, programs = 0, relocations = 0, patched = 0, poisonedUnreached = 0;
        var problems = new List<string>();
        var clock = new Stopwatch();
        foreach (var entry in byFile.Values)
        {
            var file = entry.GetProperty("file").GetString()!;
            var record = entry.TryGetProperty("same_as", out var same) ? byFile[same.GetString()!] : entry;
            if (!record.TryGetProperty("programs", out var progs)) continue;
            var obj = BpfObject.Parse(File.ReadAllBytes(Path.Combine(root, file)));
            if (obj.BtfExt is not { CoreRelos.Count: > 0 }) continue;
            objects++;
            foreach (var p in progs.EnumerateArray())
            {
                if (!p.GetProperty("loads_alone_with_fixups").GetBoolean()) continue;
                var program = obj.Programs.FirstOrDefault(x => x.Name == p.GetProperty("name").GetString());
                if (program is null) continue;
                clock.Start();
                var insns = program.Instructions.ToArray();
                var core = CoreRelocator.Apply(obj, program, kernel, insns);
                clock.Stop();
                if (core.Count == 0) continue;
                programs++;
                relocations += core.Count;
                var poisoned = core.Where(c => c.Status == CoreRelocationStatus.Poisoned).Select(c => c.Insn).ToHashSet();
                var reach = poisoned.Count == 0 ? null : ReachabilityAnalyzer.Analyze(insns, poisoned);
                foreach (var c in core)
                {
                    if (c.Status == CoreRelocationStatus.Patched) { patched++; continue; }
                    if (c.Status == CoreRelocationStatus.Poisoned && !reach!.ReachedPoisonCalls.Contains(c.Insn)) { poisonedUnreached++; continue; }
                    problems.Add($"{file} {program.Name}: insn {c.Insn} {c.Kind} {c.Path} ({c.AccessString}): {c.Status}: {c.Reason}");
                }
            }
        }
        output.WriteLine($"{objects} objects with CO-RE, {programs} loaded programs, {relocations} relocations: {patched} patched, " +
                         $"{poisonedUnreached} poisoned but unreachable, {problems.Count} problems; {clock.Elapsed.TotalMilliseconds:F0} ms computing");
        foreach (var p in problems) output.WriteLine(p);
        Assert.True(relocations > 0, "no CO-RE relocations in the corpus programs libbpf loaded");
        output.WriteLine(Totals(root, kernel));
        Assert.True(problems.Count == 0, string.Join("\n", problems.Take(50)));
    }
}

/// <summary>A real HID-BPF object: hid_bpf_ctx.size sits in an anonymous union, found by recursing through anonymous members.</summary>
public sealed class CoreAnonymousMemberTests
{
    [CorpusFact]
    public void HidBpfCtxSize_InAnonymousUnion_ResolvesTo12_On72_AndPoisonsOnHostWithoutHid()
    {
        var path = Path.Combine(TestPaths.Corpus, "objects", "udev-hid-bpf", "sid", "usr", "lib", "x86_64-linux-gnu", "bpf", "0029-Huion__Kamvas-Pro-19.bpf.o");
        var obj = BpfObject.Parse(File.ReadAllBytes(path));
        var k72 = TestData.Kernel(TestData.CorpusKernelDir("debian-7.2.13+deb14-amd64")).Btf;
        var host = TestData.Kernel(TestData.CorpusKernelDir("host-6.18.44-fc-v669-x86_64")).Btf;
        var on72 = obj.Programs.SelectMany(p => CoreRelocator.Compute(obj, p, k72)).Where(c => c.Path == "struct hid_bpf_ctx.size").ToArray();
        Assert.NotEmpty(on72);
        // 7.2 BTF: hid_bpf_ctx { hid @0; allocated_size @8; union { retval; size; } @12 }
        Assert.All(on72, c => { Assert.Equal(CoreRelocationStatus.Patched, c.Status); Assert.Equal(12UL, c.Value); });
        Assert.NotNull(k72.Vmlinux.FindFirstOfKind("hid_bpf_ctx", CompatService.Engine.Btf.BtfKind.Struct));
        var onHost = obj.Programs.SelectMany(p => CoreRelocator.Compute(obj, p, host)).Where(c => c.Path == "struct hid_bpf_ctx.size").ToArray();
        Assert.NotEmpty(onHost);
        Assert.All(onHost, c => Assert.Equal(CoreRelocationStatus.Poisoned, c.Status));
        Assert.Null(host.Vmlinux.FindFirstOfKind("hid_bpf_ctx", CompatService.Engine.Btf.BtfKind.Struct));
    }
}
