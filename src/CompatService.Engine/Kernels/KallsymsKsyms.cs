namespace CompatService.Engine.Kernels;

/// <summary>What libbpf's <c>kallsyms_cb</c> finds in a kallsyms table for one ksym extern.</summary>
/// <param name="Matches">The table's entries that resolve the extern (its own name, or a local data symbol that LTO
/// promoted to <c>name.llvm.&lt;hash&gt;</c>).</param>
public sealed record KsymMatch(IReadOnlyList<KernelSymbol> Matches)
{
    public bool Found => Matches.Count > 0;

    /// <summary>libbpf refuses the object ("resolution is ambiguous") when two entries give two addresses. Two distinct
    /// names are two objects (a promoted static and the global it was renamed away from, or statics of two translation
    /// units), so without addresses they count as two addresses.</summary>
    public bool Ambiguous => Matches.Any(m => m.Ambiguous)
        || (Matches.Count > 1 && !(Matches.All(m => m.Address is not null) && Matches.Select(m => m.Address).Distinct().Count() == 1));

    /// <summary>The address libbpf would write (null when the table has none or nothing matched).</summary>
    public ulong? Address => Found ? Matches[0].Address : null;

    /// <summary>The matched names, for messages ("x", or "x.llvm.123").</summary>
    public string Names => string.Join(", ", Matches.Select(m => m.Name));
}

/// <summary>
/// libbpf's <c>kallsyms_cb</c> (<c>bpf_object__read_kallsyms_file</c>): an entry resolves a ksym extern when its name
/// equals the extern's, or when it is a local data symbol (type <c>d</c>) whose name carries a <c>.llvm.</c> suffix
/// (clang LTO promotes file-local statics to <c>name.llvm.&lt;hash&gt;</c>) and the part before the suffix equals the
/// extern's name. Every matching entry must give the same address.
/// </summary>
public static class KallsymsKsyms
{
    public const string LlvmSuffix = ".llvm.";

    public static KsymMatch FindKsym(this KallsymsTable table, string name)
    {
        var matches = new List<KernelSymbol>(1);
        if (table.TryGet(name, out var exact)) matches.Add(exact);
        if (name.Length > 0 && !name.Contains(LlvmSuffix, StringComparison.Ordinal))
            foreach (var s in table.WithPrefix(name + LlvmSuffix))
                if (s.Type == 'd') matches.Add(s);
        return new KsymMatch(matches);
    }

    /// <summary>Entries of a running kernel's /proc/kallsyms that no image and no module provides: ftrace and kprobe
    /// trampolines ("[__builtin__ftrace]", "[__builtin__kprobes]") and JITed BPF programs, trampolines and dispatchers
    /// ("[bpf]"). They exist on kernels without module support too.</summary>
    public static bool IsRuntimeOnly(string name) =>
        name is "ftrace_trampoline" or "kprobe_insn_page" or "kprobe_optinsn_page"
        || name.StartsWith("bpf_prog_", StringComparison.Ordinal)
        || name.StartsWith("bpf_trampoline_", StringComparison.Ordinal)
        || name.StartsWith("bpf_dispatcher_", StringComparison.Ordinal);
}
