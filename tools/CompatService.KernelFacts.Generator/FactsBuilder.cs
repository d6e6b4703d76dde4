using System.Text.RegularExpressions;
using CompatService.Engine.KernelFacts;

namespace CompatService.KernelFacts.Generator;

/// <summary>Builds a <see cref="KernelFactsTable"/> from a Linux source tree (the directory holding kernel/, net/, include/).</summary>
public static partial class FactsBuilder
{
    private static readonly string[] Skip = ["tools", "samples", "Documentation", "arch", "scripts", "sound", "usr"];
    private static readonly string[] Interesting =
        ["bpf_func_id func_id", "BTF_SET8_START", "BTF_KFUNCS_START", "register_btf_kfunc_id_set", "bpf_verifier_ops"];

    public static string ProgTypeName(string enumName) =>
        enumName.StartsWith("BPF_PROG_TYPE_", StringComparison.Ordinal) ? enumName["BPF_PROG_TYPE_".Length..].ToLowerInvariant() : enumName;

    /// <summary>The C files of the tree worth reading, relative to <paramref name="root"/>, sorted.</summary>
    public static IEnumerable<string> CandidateFiles(string root)
    {
        var files = Directory.EnumerateFiles(root, "*.c", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !Skip.Contains(f.Split('/')[0], StringComparer.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var f in files)
        {
            var text = File.ReadAllText(Path.Combine(root, f));
            if (Interesting.Any(i => text.Contains(i, StringComparison.Ordinal))) yield return f;
        }
    }

    public static KernelFactsTable Build(string root, string version, KernelFactsSource source)
    {
        var sets = new List<KfuncSetFact>();
        var registrations = new List<KfuncRegistration>();
        var functions = new Dictionary<string, FuncProtoFunction>(StringComparer.Ordinal);
        var ops = new Dictionary<string, string>(StringComparer.Ordinal);
        var perFile = new List<KfuncSetParser.FileKfuncs>();
        foreach (var rel in CandidateFiles(root))
        {
            var file = CSource.Load(root, rel);
            var k = KfuncSetParser.Parse(file);
            perFile.Add(k);
            sets.AddRange(k.Sets);
            foreach (var f in FuncProtoParser.Parse(file)) functions.TryAdd(f.Name, f);
            foreach (Match m in VerifierOps().Matches(file.Text))
                if (Regex.Match(m.Groups[2].Value, @"\.get_func_proto\s*=\s*(\w+)") is { Success: true } g) ops.TryAdd(m.Groups[1].Value, g.Groups[1].Value);
        }
        var idSets = perFile.SelectMany(f => f.IdSets).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        foreach (var f in perFile)
            foreach (var (progType, idSet, cond) in f.Calls)
            {
                var (set, filter) = f.IdSets.TryGetValue(idSet, out var local) ? local : idSets.GetValueOrDefault(idSet, ("?:" + idSet, null));
                registrations.Add(new KfuncRegistration(ProgTypeName(progType), set, filter, cond));
            }

        var (hooks, typeHooks, defaultHook) = KfuncHooks(root);
        var programTypes = ProgramTypes(root, ops, functions);
        return new KernelFactsTable(version, source, Helpers(root), hooks, typeHooks, defaultHook, sets, registrations, programTypes, Sleepable(root));
    }

    [GeneratedRegex(@"struct\s+bpf_verifier_ops\s+(\w+)\s*=\s*\{([^}]*)\}")]
    private static partial Regex VerifierOps();

    private static List<ProgramTypeFacts> ProgramTypes(string root, Dictionary<string, string> ops, Dictionary<string, FuncProtoFunction> functions)
    {
        var types = CSource.Load(root, "include/linux/bpf_types.h");
        var helpers = Helpers(root);
        var evaluator = new FuncProtoEvaluator(functions);
        var result = new List<ProgramTypeFacts>();
        foreach (Match m in Regex.Matches(types.Text, @"^\s*BPF_PROG_TYPE\s*\(\s*(BPF_PROG_TYPE_\w+)\s*,\s*(\w+)", RegexOptions.Multiline))
        {
            var name = ProgTypeName(m.Groups[1].Value);
            if (result.Any(r => r.Name == name)) continue;
            if (!ops.TryGetValue(m.Groups[2].Value + "_verifier_ops", out var proto)) continue; // struct_ops, ext: per target
            var facts = new List<HelperFact>();
            foreach (var h in helpers.Skip(1))
            {
                var alts = evaluator.Allowed(proto, h);
                if (alts.Count > 0) facts.Add(new HelperFact(h, alts.Any(a => a.Count == 0) ? [] : alts.Select(a => (IReadOnlyList<string>)a).ToArray()));
            }
            result.Add(new ProgramTypeFacts(name, proto, facts));
        }
        return result;
    }

    /// <summary>BPF_FUNC_* names in id order, from the uapi header's __BPF_FUNC_MAPPER.</summary>
    public static IReadOnlyList<string> Helpers(string root)
    {
        var uapi = CSource.Load(root, "include/uapi/linux/bpf.h");
        var mapper = uapi.Lines.First(l => l.IsDirective && l.Text.Contains("FN(unspec", StringComparison.Ordinal));
        return Regex.Matches(mapper.Text, @"FN\(\s*(\w+)").Select(m => m.Groups[1].Value).ToArray();
    }

    private static (IReadOnlyList<string> Hooks, Dictionary<string, string> TypeHooks, string Default) KfuncHooks(string root)
    {
        var typeHooks = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!File.Exists(Path.Combine(root, "kernel/bpf/btf.c"))) return ([], typeHooks, "MAX"); // a partial tree (test slice)
        var btf = CSource.Load(root, "kernel/bpf/btf.c");
        var e = Regex.Match(btf.Text, @"enum\s+btf_kfunc_hook\s*\{([^}]*)\}");
        if (!e.Success) return ([], typeHooks, "MAX");
        var hooks = Regex.Matches(e.Groups[1].Value, @"BTF_KFUNC_HOOK_(\w+)").Select(m => m.Groups[1].Value).Where(h => h != "MAX").ToArray();
        var f = Regex.Match(btf.Text, @"bpf_prog_type_to_kfunc_hook\s*\(\s*enum\s+bpf_prog_type\s+\w+\s*\)\s*\{");
        var def = "MAX";
        if (f.Success)
        {
            var body = btf.Text[f.Index..btf.Text.IndexOf("\n}", f.Index, StringComparison.Ordinal)];
            var pending = new List<string>();
            foreach (Match t in Regex.Matches(body, @"case\s+(BPF_PROG_TYPE_\w+)\s*:|default\s*:|return\s+BTF_KFUNC_HOOK_(\w+)"))
            {
                if (t.Value.StartsWith("case", StringComparison.Ordinal)) pending.Add(ProgTypeName(t.Groups[1].Value));
                else if (t.Value.StartsWith("default", StringComparison.Ordinal)) pending.Add("*");
                else
                {
                    foreach (var p in pending) if (p == "*") def = t.Groups[2].Value; else typeHooks[p] = t.Groups[2].Value;
                    pending.Clear();
                }
            }
        }
        return (hooks, typeHooks, def);
    }

    /// <summary>Program types the verifier lets be sleepable (can_be_sleepable(), or the older inline check).</summary>
    private static IReadOnlyList<string> Sleepable(string root)
    {
        if (!File.Exists(Path.Combine(root, "kernel/bpf/verifier.c"))) return []; // a partial tree (test slice)
        var verifier = CSource.Load(root, "kernel/bpf/verifier.c").Text;
        var f = Regex.Match(verifier, @"bool\s+can_be_sleepable\s*\([^)]*\)\s*\{");
        string region;
        if (f.Success) region = verifier[f.Index..verifier.IndexOf("\n}", f.Index, StringComparison.Ordinal)];
        else
        {
            var msg = verifier.IndexOf("can be sleepable\\n", StringComparison.Ordinal);
            if (msg < 0) return [];
            var ifStart = verifier.LastIndexOf("if (prog->aux->sleepable", msg, StringComparison.Ordinal);
            region = ifStart < 0 ? "" : verifier[ifStart..msg];
        }
        return Regex.Matches(region, @"BPF_PROG_TYPE_(\w+)").Select(m => m.Groups[1].Value.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToArray();
    }
}
