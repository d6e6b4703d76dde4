using System.Globalization;
using CompatService.Engine.Binary;
using CompatService.Engine.Elf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis;

/// <summary>
/// The global-data map values a program points into, and which of them the verifier reads as constants.
/// libbpf creates `.rodata*` and `.kconfig` maps with BPF_F_RDONLY_PROG and freezes them; the verifier then turns a load
/// of 1/2/4/8 bytes at a constant offset from such a map (<c>bpf_map_is_rdonly</c> + <c>bpf_map_direct_read</c>) into a
/// known scalar, so `const volatile` switches and `.kconfig` values prune dead branches like any constant.
/// `.data` / `.bss` are writable: pointers into them are non-NULL, their contents unknown.
/// `.rodata` is read as shipped in the object (a loader may rewrite it before loading: the walk records that it read it);
/// `.kconfig` holds the kernel's values (LINUX_KERNEL_VERSION from its release, CONFIG_* from its config), unknown bytes
/// where that input is missing.
/// </summary>
public sealed class ConstantMemory
{
    /// <summary>One map value: its bytes, which of them are known, and whether it is the object's `.rodata` as shipped.</summary>
    internal sealed record Region(string Name, ReadOnlyMemory<byte> Bytes, bool[]? Known, bool ReadOnly, bool AsShipped);

    private readonly List<Region> _regions;
    private readonly Dictionary<int, (int Region, long Offset)> _pointers;
    private readonly Endian _endian;
    private readonly BpfObject? _object;

    private ConstantMemory(List<Region> regions, Dictionary<int, (int, long)> pointers, Endian endian, bool ignoreShipped, BpfObject? obj)
    {
        _regions = regions; _pointers = pointers; _endian = endian; IgnoresShipped = ignoreShipped; _object = obj;
    }

    public static ConstantMemory Empty { get; } = new([], [], default, false, null);

    /// <summary>True in the counterfactual walk that treats `.rodata` as unknown (to tell whether its values decided anything).</summary>
    public bool IgnoresShipped { get; }

    /// <summary>Whether any pointer of the program leads into a `.rodata` map value as shipped.</summary>
    public bool HasShippedData => _pointers.Values.Any(p => _regions[p.Region].AsShipped);

    /// <summary>The same memory with `.rodata` values unknown.</summary>
    public ConstantMemory WithoutShipped() => new(_regions, _pointers, _endian, true, _object);

    /// <summary>The map values <paramref name="program"/> points into on <paramref name="kernel"/>.</summary>
    public static ConstantMemory For(BpfObject obj, BpfProgram program, IReadOnlyList<Fixup> fixups, KernelBtfSet kernel)
    {
        var regions = new List<Region>();
        var byMap = new Dictionary<BpfMap, int>();
        var pointers = new Dictionary<int, (int, long)>();
        foreach (var r in program.References)
        {
            if (r.Kind != InsnReferenceKind.GlobalData || r.Map is not { } map) continue;
            if (!byMap.TryGetValue(map, out var idx))
            {
                idx = regions.Count;
                byMap[map] = idx;
                regions.Add(new Region(map.SectionName, map.InitialValue, null, map.IsReadOnly, map.IsReadOnly));
            }
            pointers[r.Insn] = (idx, r.Offset);
        }
        var kconfig = fixups.Where(f => f.Kind == FixupKind.KconfigLdImm64).ToList();
        if (kconfig.Count > 0)
        {
            var image = KconfigValues.Image(obj, kernel.Config, Specials(kernel));
            var idx = regions.Count;
            regions.Add(new Region(".kconfig", image.Value, image.Known, true, false));
            foreach (var f in kconfig)
                pointers[f.Insn] = (idx, f.Extern is { } e ? obj.Externs[e].KconfigOffset : 0);
        }
        return new ConstantMemory(regions, pointers, obj.Endian, false, obj);
    }

    /// <summary>Named variables of the `.rodata` sections the program points into (for messages).</summary>
    private static List<(string Section, long Offset, long Size, string Name)> ShippedSymbols(BpfObject obj, List<Region> regions)
    {
        var sections = regions.Where(r => r.AsShipped).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var list = new List<(string Section, long Offset, long Size, string Name)>();
        foreach (var sym in obj.Elf.Symbols)
            if (sym.Name.Length > 0 && sym.SectionIndex < obj.Elf.Sections.Count && sections.Contains(obj.Elf.Sections[sym.SectionIndex].Name)
                && sym.Type != ElfConstants.SttSection)
                list.Add((obj.Elf.Sections[sym.SectionIndex].Name, (long)Math.Min(sym.Value, long.MaxValue / 2), (long)Math.Min(sym.Size, 8), sym.Name));
        return list;
    }

    /// <summary>Hand-built memory for tests: each ld_imm64 index points at offset 0 of its own region.</summary>
    internal static ConstantMemory ForTests(bool bigEndian, params (int Insn, string Name, byte[] Bytes, bool[]? Known, bool ReadOnly, bool AsShipped)[] regions)
    {
        var list = regions.Select(r => new Region(r.Name, r.Bytes, r.Known, r.ReadOnly, r.AsShipped)).ToList();
        var pointers = regions.Select((r, i) => (r.Insn, i)).ToDictionary(x => x.Insn, x => (x.i, 0L));
        return new ConstantMemory(list, pointers, new Endian(bigEndian), false, null);
    }

    /// <summary>libbpf's LINUX_* values for a kernel, where the kernel's facts decide them (absent = unknown).</summary>
    private static Dictionary<string, string> Specials(KernelBtfSet kernel)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        if (kernel.Release is { } release && KconfigValues.VersionCode(release) != 0)
            d["LINUX_KERNEL_VERSION"] = KconfigValues.VersionCode(release).ToString(CultureInfo.InvariantCulture);
        // libbpf probes FEAT_BPF_COOKIE by loading a call to bpf_get_attach_cookie (helper 174).
        if (kernel.Enums.HasHelper(174) is { } cookie) d["LINUX_HAS_BPF_COOKIE"] = cookie ? "y" : "n";
        if (Linking.SyscallWrapperProbe.Value(kernel, out _) is { } wrapper) d[Linking.SyscallWrapperProbe.Name] = wrapper;
        return d;
    }

    /// <summary>The pointer an ld_imm64 at <paramref name="insn"/> loads, when it points into a global-data map value.</summary>
    internal bool TryPointer(int insn, out AbstractValue pointer)
    {
        if (_pointers.TryGetValue(insn, out var p)) { pointer = AbstractValue.MapValue(p.Region, p.Offset); return true; }
        pointer = AbstractValue.Unknown;
        return false;
    }

    /// <summary>
    /// A load of <paramref name="size"/> bytes at <paramref name="offset"/> of a region: a constant when the map is
    /// read-only, the bytes are in bounds and known (zero- or sign-extended like LDX / LDSX), else unknown.
    /// <paramref name="asShipped"/> says the constant came from `.rodata` as shipped.
    /// </summary>
    internal AbstractValue Read(int region, long offset, int size, bool signExtend, out bool asShipped, bool force = false)
    {
        asShipped = false;
        if (region < 0 || region >= _regions.Count) return AbstractValue.Unknown;
        var r = _regions[region];
        if (!force && (!r.ReadOnly || (r.AsShipped && IgnoresShipped))) return AbstractValue.Unknown;
        // Compared without adding: the offset comes from pointer arithmetic the object controls (offset + size can wrap).
        if (offset < 0 || size <= 0 || offset > r.Bytes.Length - size) return AbstractValue.Unknown;
        // Bytes whose kernel input is missing (no config / release): undecided, so the branches they decide stay speculative.
        if (r.Known is { } known && (offset > known.Length - size || known.AsSpan((int)offset, size).Contains(false))) return AbstractValue.Undecided;
        var bytes = r.Bytes.Span.Slice((int)offset, size);
        long v = size switch
        {
            1 => signExtend ? (sbyte)bytes[0] : bytes[0],
            2 => signExtend ? _endian.I16(bytes) : _endian.U16(bytes),
            4 => signExtend ? _endian.I32(bytes) : _endian.U32(bytes),
            _ => (long)_endian.U64(bytes),
        };
        asShipped = r.AsShipped;
        return AbstractValue.Const(v);
    }

    /// <summary>Everything a walk reads of this memory, hashed into <paramref name="h"/> (the <see cref="WalkMemo"/> key).</summary>
    internal void AddTo(System.Security.Cryptography.IncrementalHash h)
    {
        WalkMemo.Add(h, _regions.Count);
        WalkMemo.Add(h, (IgnoresShipped ? 1 : 0) | (_endian.IsBig ? 2 : 0));
        foreach (var r in _regions)
        {
            WalkMemo.Add(h, ((r.ReadOnly ? 1L : 0) | (r.AsShipped ? 2L : 0) | (r.Known is null ? 4L : 0)) + ((long)r.Bytes.Length << 8));
            h.AppendData(System.Text.Encoding.UTF8.GetBytes(r.Name + "\0"));
            h.AppendData(r.Bytes.Span);
            if (r.Known is { } known) h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(known.AsSpan()));
        }
        WalkMemo.Add(h, _pointers.Count);
        foreach (var (insn, (region, offset)) in _pointers.OrderBy(p => p.Key))
        {
            WalkMemo.Add(h, insn);
            WalkMemo.Add(h, region);
            WalkMemo.Add(h, offset);
        }
    }

    /// <summary>The region's section name (for messages).</summary>
    internal string RegionName(int region) => region >= 0 && region < _regions.Count ? _regions[region].Name : "?";

    /// <summary>The `.kconfig` extern at <paramref name="offset"/> of the .kconfig map (for messages).</summary>
    public string KconfigName(long offset) =>
        _object?.Externs.FirstOrDefault(e => e.Kind == ExternKind.Kconfig && e.KconfigOffset <= offset && offset < e.KconfigOffset + Math.Max(1, e.KconfigSize))?.Name
        ?? $".kconfig+{offset}";

    /// <summary>The variable at <paramref name="offset"/> of a `.rodata` section with its value as shipped ("enable = 0"), else "section+offset".</summary>
    public string Describe(string section, long offset)
    {
        var r = _regions.FirstOrDefault(x => x.Name == section);
        var sym = (_object is null ? [] : ShippedSymbols(_object, _regions)).Where(y => y.Section == section && y.Offset <= offset && offset < y.Offset + Math.Max(1, y.Size))
            .Select(y => ((string Section, long Offset, long Size, string Name)?)y).FirstOrDefault();
        if (sym is null || r is null) return $"{section}+{offset}";
        var size = (int)sym.Value.Size;
        var value = size is 1 or 2 or 4 or 8 && sym.Value.Offset + size <= r.Bytes.Length
            ? Read(_regions.IndexOf(r), sym.Value.Offset, size, false, out _, force: true) : AbstractValue.Unknown;
        return value.IsConst ? $"{sym.Value.Name} = {value.Value}" : sym.Value.Name;
    }
}
