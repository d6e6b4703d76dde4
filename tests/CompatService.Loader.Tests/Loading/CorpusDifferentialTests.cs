using System.Text;
using System.Text.Json;
using CompatService.Tests.Shared;
using CompatService.Engine.Analysis;
using CompatService.Engine;
using CompatService.Engine.Binary;
using CompatService.Loader.Loading;
using Xunit.Abstractions;

namespace CompatService.Loader.Tests.Loading;

/// <summary>
/// The real third-party objects of the corpus, each program loaded alone on this host by our loader (with the same
/// generic map-sizing fixups the recorded libbpf runs used), compared with the engine's prediction and with
/// libbpf's recorded outcome (loads-6.18.json). Every disagreement is listed with its reason; only those explained
/// by what this host lacks are allowed.
/// </summary>
public class CorpusDifferentialTests(ITestOutputHelper output)
{
    private sealed record Row(string File, string Program, string Predicted, bool? Libbpf, bool Ours, string Detail, string? Explanation);

    /// <summary>What this kernel lacks (the corpus README and kfunc-semantics §8) that explains a difference.</summary>
    public static string? HostExplanation(string progType, string? libbpfClass, string ourMessage, int? errno)
    {
        if (progType is "tracing" or "lsm" or "ext" && (errno == 1 || ourMessage.Contains("failed to find kernel BTF type ID", StringComparison.Ordinal)))
            return "host: fentry/fexit/lsm trampolines refused (EPERM) or attach target absent";
        if (progType == "struct_ops" || libbpfClass == "missing_struct_ops_type")
            return "host: struct_ops type absent (no HID-BPF / sched_ext on this kernel)";
        if (progType == "kprobe" && errno is 22 or 95 or 2)
            return "host: no kprobes";
        if (ourMessage.Contains("ldimm64 failed to find the address", StringComparison.Ordinal))
            return "host: no CONFIG_KALLSYMS_ALL (typed ksym data symbols)";
        if (libbpfClass is "missing_attach_target" or "attach_target_placeholder")
            return "host: attach target absent on this kernel";
        return null;
    }

    [CorpusBpfFact]
    public void CorpusObjects_WithRuntimeMapFixups_AgreeWithLibbpfAndTheEngine_OrTheHostExplainsWhy() => Run(withFixups: true);

    /// <summary>As shipped (no map sizing): libbpf's `loads_alone`; the engine does not model map sizes, so only libbpf is compared.</summary>
    [CorpusBpfFact]
    public void CorpusObjects_AsShipped_AgreeWithLibbpf_OrTheHostExplainsWhy() => Run(withFixups: false);

    private void Run(bool withFixups)
    {
        var objectsDir = Path.Combine(TestPaths.Corpus, "objects");
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(objectsDir, "loads-6.18.json")));
        var session = Host.Session;
        var target = session.LoadTarget();
        var loader = new ObjectLoader(session.Bpf);
        var rows = new List<Row>();
        var objectsSeen = 0;
        var byFile = doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(x => x.GetProperty("file").GetString()!);
        foreach (var entry in doc.RootElement.GetProperty("results").EnumerateArray())
        {
            var file = entry.GetProperty("file").GetString()!;
            // byte-identical duplicates carry only "same_as": compare with the original's recorded outcome
            var r = entry.TryGetProperty("same_as", out var same) && byFile.TryGetValue(same.GetString()!, out var orig) ? orig : entry;
            var path = Path.Combine(objectsDir, file);
            if (!File.Exists(path)) continue;
            objectsSeen++;
            var libbpf = new Dictionary<string, (bool Loads, string? Class)>();
            if (r.TryGetProperty("programs", out var progs))
                foreach (var p in progs.EnumerateArray())
                    libbpf[p.GetProperty("name").GetString()!] = (p.GetProperty(withFixups ? "loads_alone_with_fixups" : "loads_alone").GetBoolean(),
                        p.TryGetProperty("failure_class", out var fc) && fc.ValueKind == JsonValueKind.String ? fc.GetString() : null);
            var objClass = r.TryGetProperty("failure_class", out var oc) && oc.ValueKind == JsonValueKind.String ? oc.GetString() : null;

            Engine.Object.BpfObject obj;
            try { obj = CompatEngine.OpenObject(File.ReadAllBytes(path)); }
            catch (BpfFormatException e)
            {
                rows.Add(new Row(file, "(object)", "-", r.GetProperty("open_ok").GetBoolean() ? true : false, false, "engine cannot parse: " + e.Message,
                    r.GetProperty("open_ok").GetBoolean() ? null : "libbpf cannot open it either"));
                continue;
            }
            var predicted = CompatEngine.Check(obj, session.Kernel, "host");
            for (var i = 0; i < obj.Programs.Count; i++)
            {
                var p = obj.Programs[i];
                using var loaded = loader.Load(obj, target, new LoadOptions
                {
                    ObjectName = Path.GetFileName(file).Split('.')[0], Programs = new HashSet<string> { p.Name }, SizeUnsizedMaps = withFixups,
                });
                var o = loaded.Programs.Single();
                bool? lib = libbpf.TryGetValue(p.Name, out var l) ? l.Loads : (objClass is null ? null : false);
                var cls = libbpf.TryGetValue(p.Name, out var l2) ? l2.Class ?? objClass : objClass;
                var pred = predicted[i].Verdict;
                var agrees = (lib is null || lib == o.Loaded) && (!withFixups || pred == Verdict.Unknown || (pred == Verdict.Loads) == o.Loaded);
                var detail = o.Loaded ? "loaded" : $"{o.Message}{(o.Tail(2) is { Length: > 0 } t && !o.Message.Contains(t) ? " | " + t.Replace('\n', ' ') : "")}";
                var explanation = agrees ? "" : o.Loaded ? null : HostExplanation(p.Type, cls, o.Message + " " + o.Log, o.Errno);
                rows.Add(new Row(file, p.Name, pred.ToString().ToLowerInvariant(), lib, o.Loaded, detail, explanation));
            }
        }

        var report = (withFixups ? "with run-time map fixups (libbpf loads_alone_with_fixups)\n" : "as shipped (libbpf loads_alone)\n") + Render(rows, objectsSeen);
        output.WriteLine(report);
        var outDir = Path.Combine(TestPaths.RepoRoot, "TestResults");
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, withFixups ? "agent-corpus-differential.txt" : "agent-corpus-differential-as-shipped.txt"), report);
        var unexplained = rows.Where(x => x.Explanation is null).ToList();
        Assert.True(unexplained.Count == 0, $"{unexplained.Count} unexplained disagreements:\n" +
            string.Join("\n", unexplained.Select(x => $"{x.File} {x.Program}: predicted {x.Predicted}, libbpf {x.Libbpf}, ours {x.Ours}: {x.Detail}")));
    }

    private static string Render(List<Row> rows, int objects)
    {
        var sb = new StringBuilder();
        var loaded = rows.Count(r => r.Ours);
        var disagreements = rows.Where(r => r.Explanation is not "").ToList();
        sb.AppendLine($"corpus differential on this host: {objects} objects, {rows.Count} programs; ours loaded {loaded}, failed {rows.Count - loaded}; " +
                      $"compared with libbpf {rows.Count(r => r.Libbpf is not null)} (libbpf loaded {rows.Count(r => r.Libbpf == true)}), differ {rows.Count(r => r.Libbpf is not null && r.Libbpf != r.Ours)}; " +
                      $"engine loads/fails/unknown {rows.Count(r => r.Predicted == "loads")}/{rows.Count(r => r.Predicted == "fails")}/{rows.Count(r => r.Predicted == "unknown")}, differ {rows.Count(r => r.Predicted is "loads" or "fails" && (r.Predicted == "loads") != r.Ours)}; " +
                      $"disagreements {disagreements.Count} (unexplained {disagreements.Count(d => d.Explanation is null)})");
        sb.AppendLine($"{"object",-70} {"program",-34} {"engine",-7} {"libbpf",-6} {"ours",-5} explanation / detail");
        foreach (var r in disagreements)
            sb.AppendLine($"{Trim(r.File, 70),-70} {Trim(r.Program, 34),-34} {r.Predicted,-7} {(r.Libbpf?.ToString() ?? "-"),-6} {r.Ours,-5} {r.Explanation ?? "UNEXPLAINED"}: {Trim(r.Detail, 300)}");
        return sb.ToString();
    }

    private static string Trim(string s, int n) => s.Length <= n ? s : "…" + s[^(n - 1)..];
}
