using CompatService.Engine.Binary;
using CompatService.Engine.Elf;
using CompatService.Engine.Kernels;
using static CompatService.Engine.Elf.ElfConstants;

namespace CompatService.Lab;

/// <summary>
/// The guest's /proc/kallsyms after the lab inserted its modules: the image's table plus, per module, the symbols the
/// kernel keeps for it once its init has run (kernel/module/kallsyms.c, 6.1: <c>layout_symtab</c> and <c>add_kallsyms</c>
/// copy symbol 0 and every <c>is_core_symbol</c> into <c>core_kallsyms</c>, which <c>do_init_module</c> makes
/// <c>mod-&gt;kallsyms</c>). A symbol is kept when it is defined (<c>st_shndx</c> neither SHN_UNDEF nor ≥ e_shnum, so
/// SHN_ABS/SHN_COMMON are not) and named, and its section is SHF_ALLOC, executable unless CONFIG_KALLSYMS_ALL, and not
/// an init section (a name starting ".init": laid out in the init region, freed after init). The loader clears SHF_ALLOC
/// of `.modinfo`, `__versions` and `.data..percpu` first (the per-cpu symbols come back only with CONFIG_KALLSYMS_ALL),
/// and of every ".exit" section without CONFIG_MODULE_UNLOAD. libbpf (<c>libbpf_kallsyms_parse</c>) reads
/// "addr type name" and ignores the " [module]" tail: a module symbol matches an extern by its bare name, and a name at
/// two addresses (vmlinux and a module, two modules, two statics of one module) is ambiguous.
/// </summary>
public static class LabModuleKallsyms
{
    /// <summary>Module symbols get addresses here (user-space range: no kernel symbol, per-cpu offsets included, lies there),
    /// distinct per (module, section, value), so that only real aliases share one.</summary>
    private const ulong ModuleBase = 0x0000_7f00_0000_0000;
    /// <summary>A second address for a name the image's table already marks ambiguous, or for a table without addresses.</summary>
    private const ulong ImageBase = 0x0000_7e00_0000_0000;

    /// <summary>
    /// The running guest's kallsyms (declared to include the loaded modules), or null with the reason when that is not
    /// certain: a selected module that did not insert, no config (CONFIG_KALLSYMS_ALL / CONFIG_MODULE_UNLOAD decide
    /// which symbols stay), a livepatch module (it keeps every symbol), a .ko that cannot be read.
    /// </summary>
    public static KallsymsTable? Running(KallsymsTable image, IReadOnlyList<LabModule> selected, IReadOnlyCollection<string> inserted,
        string? config, out string? why)
    {
        why = null;
        if (selected.FirstOrDefault(m => !inserted.Contains(m.Name)) is { } failed)
            return Fail($"module {failed.Name} did not insert", out why);
        if (inserted.FirstOrDefault(n => selected.All(m => m.Name != n)) is { } unknownModule)
            return Fail($"module {unknownModule} was inserted but its .ko is not among the selected ones", out why);
        if (config is null) return Fail("the kernel config is not known", out why);
        var cfg = KernelConfig.Parse(config);
        bool Set(string option) => cfg.TryGetValue(option, out var v) && v == "y";
        if (!Set("CONFIG_KALLSYMS")) return Fail("the config has no CONFIG_KALLSYMS", out why);
        var all = Set("CONFIG_KALLSYMS_ALL");
        var unload = Set("CONFIG_MODULE_UNLOAD");
        var entries = new List<(string Name, char Type, ulong? Address)>(image.Count + 1024);
        ulong next = 0;
        foreach (var s in image.Symbols)
        {
            entries.Add((s.Name, s.Type, s.Address ?? ImageBase + next++));
            if (s.Ambiguous) entries.Add((s.Name, s.Type, ImageBase + next++)); // keep the image's "two addresses"
        }
        var moduleBase = ModuleBase;
        foreach (var m in selected.Where(m => inserted.Contains(m.Name)))
        {
            ElfFile ko;
            try { ko = ElfFile.Parse(m.Ko); }
            catch (BpfFormatException e) { return Fail($"{m.PackagePath}: {e.Message}", out why); }
            if (IsLivepatch(ko)) return Fail($"module {m.Name} is a livepatch module (it keeps every symbol)", out why);
            IReadOnlyList<(string Name, char Type, ulong Key)> kept;
            try { kept = CoreSymbols(ko, all, unload); }
            catch (BpfFormatException e) { return Fail($"{m.PackagePath}: {e.Message}", out why); }
            foreach (var (name, type, key) in kept) entries.Add((name, type, moduleBase + key));
            moduleBase += 1UL << 36;
        }
        var names = string.Join(", ", selected.Select(m => m.Name));
        return KallsymsTable.Build(entries, $"{image.Origin}; with the symbols of the inserted modules ({names})", includesModules: true);
    }

    private static KallsymsTable? Fail(string reason, out string? why)
    {
        why = reason;
        return null;
    }

    /// <summary>
    /// The named symbols of one .ko that stay in its kallsyms after init, with their type letter (elf_type: t, r, d, b,
    /// a for per-cpu, w/v weak; upper case for a global) and a key unique per (section, value).
    /// </summary>
    public static IReadOnlyList<(string Name, char Type, ulong Key)> CoreSymbols(ElfFile ko, bool kallsymsAll, bool moduleUnload)
    {
        var sections = ko.Sections;
        var pcpu = FindAlloc(ko, ".data..percpu");
        var dropped = new HashSet<int> { FindAlloc(ko, ".modinfo"), FindAlloc(ko, "__versions"), pcpu };
        var kept = new List<(string, char, ulong)>();
        foreach (var s in ko.Symbols)
        {
            if (s.Index == 0 || s.Name.Length == 0 || s.SectionIndex == ShnUndef || s.SectionIndex >= sections.Count) continue;
            var sec = sections[s.SectionIndex];
            var isPcpu = pcpu != 0 && s.SectionIndex == pcpu;
            if (!(isPcpu && kallsymsAll))
            {
                var alloc = sec.IsAlloc && !dropped.Contains(sec.Index) && (moduleUnload || !sec.Name.StartsWith(".exit", StringComparison.Ordinal));
                if (!alloc || (!kallsymsAll && !sec.IsExecutable) || sec.Name.StartsWith(".init", StringComparison.Ordinal)) continue;
            }
            kept.Add((s.Name, Type(s, sec, isPcpu), ((ulong)s.SectionIndex << 40) | (s.Value & 0xff_ffff_ffff)));
        }
        return kept;
    }

    /// <summary>is_livepatch_module: ".modinfo" has "livepatch=Y"; such a module keeps all its symbols.</summary>
    public static bool IsLivepatch(ElfFile ko) => ko.FindSection(".modinfo") is { } info
        && System.Text.Encoding.ASCII.GetString(info.Data.Span).Split('\0').Contains("livepatch=Y");

    /// <summary>find_sec: the first SHF_ALLOC section of that name, 0 when none.</summary>
    private static int FindAlloc(ElfFile ko, string name) =>
        ko.Sections.FirstOrDefault(s => s.IsAlloc && s.Name == name)?.Index ?? 0;

    /// <summary>kernel/module/kallsyms.c elf_type, upper case for a global symbol (s_show prints exported ones so).</summary>
    private static char Type(ElfSymbol s, ElfSection sec, bool pcpu)
    {
        char t;
        if (s.IsWeak) t = s.Type == SttObject ? 'v' : 'w';
        else if (pcpu) t = 'a';
        else if (sec.IsExecutable) t = 't';
        else if (sec.IsAlloc && !sec.IsNoBits) t = sec.IsWritable ? 'd' : 'r';
        else t = sec.IsNoBits ? 'b' : '?';
        return s.IsGlobal ? char.ToUpperInvariant(t) : t;
    }
}
