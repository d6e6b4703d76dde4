using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Elf;
using CompatService.Kernels;

namespace CompatService.Lab;

/// <summary>One module the guest inserts: its name, where it sat in the package, the .ko (decompressed) and what it is for.</summary>
/// <param name="KfuncSets">true: it registers kfunc sets (the reason it is inserted); false: another one needs it.</param>
public sealed record LabModule(string Name, string PackagePath, byte[] Ko, bool KfuncSets, IReadOnlyList<string> DependsOn);

/// <summary>The modules of a lab run, in insertion order (dependencies first), and what was left out and why.</summary>
/// <param name="DependencySource">"modules.dep" when the package ships one, else ".modinfo depends" (Debian's linux-image
/// packages do not ship modules.dep: depmod writes it at install time; modpost's `depends=` is the same graph).</param>
public sealed record LabModuleSet(IReadOnlyList<LabModule> InOrder, IReadOnlyList<string> Notes, string DependencySource)
{
    public static LabModuleSet None { get; } = new([], [], "none");
    public long TotalBytes => InOrder.Sum(m => (long)m.Ko.Length);
}

/// <summary>Bounds of the module selection: how many modules, how large one .ko and all of them may be.</summary>
public sealed record LabModuleLimits
{
    public int MaxModules { get; init; } = 64;
    public long MaxModuleBytes { get; init; } = 32L << 20;
    public long MaxTotalBytes { get; init; } = 128L << 20;
    public static LabModuleLimits Default { get; } = new();
}

/// <summary>
/// Takes the modules that register kfunc sets (named by the ingestion, which already kept their BTF) out of a Debian
/// package, with every module they depend on (transitively, per modules.dep or each .ko's `.modinfo` `depends=`),
/// decompressed and bounded, ordered so that each comes after what it needs. Two streamed passes over the package:
/// the graph (and the kfunc modules' bytes), then the dependencies' bytes.
/// </summary>
public static class LabModules
{
    public static LabModuleSet FromPackage(ReadOnlyMemory<byte> deb, IReadOnlyCollection<string> kfuncModules, LabModuleLimits? limits = null)
    {
        limits ??= LabModuleLimits.Default;
        if (kfuncModules.Count == 0) return LabModuleSet.None;
        var notes = new List<string>();
        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var modinfo = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var softdeps = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var aliases = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        Dictionary<string, IReadOnlyList<string>>? depFile = null;
        var bytes = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var wanted = new HashSet<string>(kfuncModules, StringComparer.Ordinal);
        void Keep(string name, string path, byte[] ko)
        {
            if (ko.Length <= limits.MaxModuleBytes) bytes[name] = ko;
            else notes.Add($"{path}: {ko.Length} bytes, more than the limit of {limits.MaxModuleBytes}: not inserted");
        }
        DebianPackage.ReadFiles(deb, p => IsModulePath(p) && (Name(p) is not null || p.EndsWith("/modules.dep", StringComparison.Ordinal)),
            (path, packed) =>
            {
                if (path.EndsWith("/modules.dep", StringComparison.Ordinal)) { depFile = ParseModulesDep(Encoding.UTF8.GetString(packed)); return; }
                var name = Name(path)!;
                if (!paths.TryAdd(name, path)) { notes.Add($"{path}: a second module named {name}, ignored"); return; }
                var ko = Decompress(path, packed, ScanBytes, notes);
                if (ko is null) return;
                var info = Modinfo(ko, path, notes);
                modinfo[name] = ModinfoDepends(info);
                softdeps[name] = ModinfoList(info, "softdep=", pre: true);
                foreach (var a in ModinfoList(info, "alias=", pre: false))
                    (aliases.TryGetValue(a, out var l) ? l : aliases[a] = []).Add(name);
                if (wanted.Contains(name)) Keep(name, path, ko);
            }, ScanBytes);

        var graph = WithSoftdeps(depFile ?? modinfo, softdeps, paths, aliases);
        var order = Order(kfuncModules.Order(StringComparer.Ordinal), graph, paths, notes, limits.MaxModules);
        var rest = order.Where(n => !bytes.ContainsKey(n)).Select(n => paths[n]).ToHashSet(StringComparer.Ordinal);
        if (rest.Count > 0)
            DebianPackage.ReadFiles(deb, rest.Contains, (path, packed) =>
            {
                if (Decompress(path, packed, ScanBytes, notes) is { } ko) Keep(Name(path)!, path, ko);
            }, ScanBytes);

        var list = new List<LabModule>();
        long total = 0;
        foreach (var name in order)
        {
            if (!bytes.TryGetValue(name, out var ko)) { notes.Add($"{name}: not readable from the package, not inserted"); continue; }
            if ((total += ko.Length) > limits.MaxTotalBytes)
                throw new LabException($"the modules to insert exceed {limits.MaxTotalBytes} bytes (at {name})");
            list.Add(new LabModule(name, paths[name], ko, wanted.Contains(name), graph.GetValueOrDefault(name) ?? []));
        }
        foreach (var n in kfuncModules.Where(n => !paths.ContainsKey(n)).Order(StringComparer.Ordinal))
            notes.Add($"{n}: registers kfunc sets but has no .ko in the package");
        return new LabModuleSet(list, notes, depFile is null ? ".modinfo depends" : "modules.dep");
    }

    /// <summary>
    /// Dependencies before dependents (depth-first, post-order; roots in the order given, dependencies in their listed
    /// order). A dependency the package lacks is noted (built in, or missing); a cycle is cut and noted.
    /// </summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> roots, IReadOnlyDictionary<string, IReadOnlyList<string>> graph,
        IReadOnlyDictionary<string, string> present, List<string> notes, int maxModules)
    {
        var order = new List<string>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: on the stack, true: done
        void Visit(string name, string? from)
        {
            if (state.TryGetValue(name, out var done))
            {
                if (!done) notes.Add($"dependency cycle at {name} (from {from}): cut");
                return;
            }
            if (!present.ContainsKey(name))
            {
                if (from is not null) notes.Add($"{from} depends on {name}, which the package does not hold as a module");
                return;
            }
            state[name] = false;
            foreach (var d in graph.GetValueOrDefault(name) ?? []) Visit(d, name);
            state[name] = true;
            order.Add(name);
            if (order.Count > maxModules) throw new LabException($"more than {maxModules} modules to insert (kfunc modules and their dependencies)");
        }
        foreach (var r in roots) Visit(r, null);
        return order;
    }

    /// <summary>modules.dep: "kernel/a/x.ko: kernel/b/y.ko kernel/c/z.ko.xz" → x → [y, z] (by module name).</summary>
    public static Dictionary<string, IReadOnlyList<string>> ParseModulesDep(string text)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var colon = raw.IndexOf(':');
            if (colon <= 0 || Name(raw[..colon].Trim()) is not { } name) continue;
            map[name] = raw[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(Name).OfType<string>().ToList();
        }
        return map;
    }

    /// <summary>The `depends=` entry of a module's .modinfo ("a,b" → [a, b]; '-' → '_'); none when absent.</summary>
    public static IReadOnlyList<string> ModinfoDepends(ReadOnlySpan<byte> modinfo)
    {
        foreach (var entry in Encoding.UTF8.GetString(modinfo).Split('\0'))
            if (entry.StartsWith("depends=", StringComparison.Ordinal))
                return entry[8..].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(d => d.Trim().Replace('-', '_')).ToList();
        return [];
    }

    private static byte[] Modinfo(byte[] ko, string path, List<string> notes)
    {
        try { return ElfFile.Parse(ko).FindSection(".modinfo") is { } s ? s.Data.ToArray() : []; }
        catch (BpfFormatException e) { notes.Add($"{path}: not a readable module: {e.Message}"); return []; }
    }

    /// <summary>
    /// `alias=` values, or the `pre:` names of `softdep=` ("pre: crc32c post: x" → [crc32c]): a module whose init asks the
    /// crypto API for an algorithm (libcrc32c → "crc32c") fails with ENOENT unless the provider was inserted first.
    /// </summary>
    public static IReadOnlyList<string> ModinfoList(ReadOnlySpan<byte> modinfo, string key, bool pre)
    {
        var list = new List<string>();
        foreach (var entry in Encoding.UTF8.GetString(modinfo).Split('\0'))
        {
            if (!entry.StartsWith(key, StringComparison.Ordinal)) continue;
            if (!pre) { list.Add(entry[key.Length..].Trim()); continue; }
            var inPre = false;
            foreach (var w in entry[key.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (w.EndsWith(':')) inPre = w == "pre:";
                else if (inPre) list.Add(w);
        }
        return list;
    }

    /// <summary>
    /// The dependency graph plus each module's softdep `pre:` modules, first: a name is a module's name or an alias
    /// (modprobe's rule); among several providers of an alias the generic one (it runs on any CPU, TCG's too), else the first.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>> WithSoftdeps(IReadOnlyDictionary<string, IReadOnlyList<string>> graph,
        Dictionary<string, IReadOnlyList<string>> softdeps, Dictionary<string, string> present, Dictionary<string, List<string>> aliases)
    {
        var result = graph.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (var (module, pres) in softdeps)
        {
            var resolved = new List<string>();
            foreach (var p in pres)
            {
                var name = p.Replace('-', '_');
                if (present.ContainsKey(name)) { resolved.Add(name); continue; }
                var by = aliases.GetValueOrDefault(p)?.OrderBy(n => n.Contains("generic", StringComparison.Ordinal) ? 0 : 1)
                    .ThenBy(n => n, StringComparer.Ordinal).FirstOrDefault();
                if (by is null) continue;
                resolved.Add(by);
            }
            if (resolved.Count > 0) result[module] = resolved.Concat(result.GetValueOrDefault(module) ?? []).Distinct().ToList();
        }
        return result;
    }

    /// <summary>Bound of one .ko while the graph is read (the ingestion's: every module of a package is read once anyway).</summary>
    private static readonly long ScanBytes = IngestLimits.Default.MaxModuleBytes;

    private static byte[]? Decompress(string path, byte[] packed, long max, List<string> notes)
    {
        DebianPackage.ModuleName(path[(path.LastIndexOf('/') + 1)..], out var kind);
        try { return kind == CompressionKind.None ? packed : Compression.Decompress(kind, packed, max, path); }
        catch (BpfFormatException e) { notes.Add($"{path}: skipped: {e.Message}"); return null; }
    }

    private static bool IsModulePath(string p) =>
        p.StartsWith("lib/modules/", StringComparison.Ordinal) || p.StartsWith("usr/lib/modules/", StringComparison.Ordinal);

    private static string? Name(string path) => DebianPackage.ModuleName(path[(path.LastIndexOf('/') + 1)..], out _);
}
