using CompatService.Engine.Analysis;
using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using static CompatService.Engine.Elf.ElfConstants;

namespace CompatService.Engine.Object;

/// <summary>
/// Collects map definitions: BTF-defined maps in `.maps` (libbpf's `__uint`/`__type` encoding: an int attribute N is
/// `int (*name)[N]`, a type attribute is `T *name`), legacy `maps` (struct bpf_map_def records), and global-data
/// sections (.data*, .rodata*, .bss*) that libbpf turns into single-entry array maps.
/// </summary>
internal static class MapCollector
{
    private const uint BpfMapTypeArray = 2;

    public static IReadOnlyList<BpfMap> Collect(ElfFile elf, BtfSpec? btf, List<ObjectProblem> openErrors)
    {
        var maps = new List<BpfMap>();
        foreach (var section in elf.Sections)
        {
            if (section.Name == ".maps") CollectBtfMaps(elf, section, btf, maps, openErrors);
            else if (section.Name == "maps")
            {
                CollectLegacyMaps(elf, section, maps);
                openErrors.Add(new(ReasonCodes.LegacyMapsUnsupported, null,
                    "legacy map definitions in 'maps' section are not supported by libbpf v1.0+ (use BTF-defined maps in '.maps')"));
            }
            else if (IsGlobalDataSection(section)) maps.Add(GlobalData(section));
        }
        return maps;
    }

    public static bool IsGlobalDataSection(ElfSection s) =>
        (s.Type == ShtProgbits || s.Type == ShtNobits) && !s.IsExecutable &&
        (s.Name is ".data" or ".rodata" or ".bss" || s.Name.StartsWith(".data.", StringComparison.Ordinal) ||
         s.Name.StartsWith(".rodata.", StringComparison.Ordinal) || s.Name.StartsWith(".bss.", StringComparison.Ordinal));

    private static BpfMap GlobalData(ElfSection s) => new()
    {
        Name = s.Name,
        Origin = MapOrigin.GlobalData,
        SectionName = s.Name,
        SectionIndex = s.Index,
        Definition = new(BpfMapTypeArray, 4, (uint)s.Size, 1),
        InitialValue = s.IsNoBits ? ReadOnlyMemory<byte>.Empty : s.Data,
        IsReadOnly = s.Name.StartsWith(".rodata", StringComparison.Ordinal),
    };

    private static void CollectLegacyMaps(ElfFile elf, ElfSection section, List<BpfMap> maps)
    {
        var symbols = elf.Symbols.Where(s => s.SectionIndex == section.Index && s.Type != SttSection && s.Name.Length > 0).ToList();
        if (symbols.Count == 0) return;
        var defSize = section.Size / (ulong)symbols.Count;
        foreach (var sym in symbols)
        {
            var def = Bounds.Slice(section.Data.Span, (long)sym.Value, Math.Min(20, (long)defSize), $"legacy map '{sym.Name}'", section.Name);
            maps.Add(new BpfMap
            {
                Name = sym.Name,
                Origin = MapOrigin.Legacy,
                SectionName = section.Name,
                SectionIndex = section.Index,
                SectionOffset = sym.Value,
                Definition = new(Field(def, elf, 0), Field(def, elf, 1), Field(def, elf, 2), Field(def, elf, 3), Field(def, elf, 4)),
            });
        }
    }

    private static uint Field(ReadOnlySpan<byte> def, ElfFile elf, int i) => def.Length >= (i + 1) * 4 ? elf.Endian.U32(def[(i * 4)..]) : 0;

    private static void CollectBtfMaps(ElfFile elf, ElfSection section, BtfSpec? btf, List<BpfMap> maps, List<ObjectProblem> openErrors)
    {
        if (btf is null)
        {
            openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, "BTF-defined maps in '.maps' need BTF, but the object has none"));
            return;
        }
        var datasec = btf.FindByName(".maps").Select(btf.GetType).OfType<BtfDatasec>().FirstOrDefault();
        if (datasec is null)
        {
            openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, "'.maps' section has no BTF DATASEC"));
            return;
        }
        foreach (var v in datasec.Vars)
        {
            if (btf.GetType(v.Type) is not BtfVar variable) continue;
            var def = BtfWalk.SkipModsAndTypedefs(btf, variable.Type);
            if (btf.GetType(def) is not BtfComposite composite)
            {
                openErrors.Add(new(ReasonCodes.ObjectOpenFailed, null, $"map '{variable.Name}': definition is not a struct"));
                continue;
            }
            maps.Add(ParseDefinition(btf, variable.Name, composite, section, v.Offset, openErrors, 0));
        }
    }

    private static BpfMap ParseDefinition(BtfSpec btf, string name, BtfComposite def, ElfSection section, ulong offset, List<ObjectProblem> openErrors, int depth)
    {
        uint type = 0, maxEntries = 0, flags = 0, pinning = 0, keySize = 0, valueSize = 0;
        BtfTypeId keyType = BtfTypeId.Void, valueType = BtfTypeId.Void;
        BpfMap? inner = null;
        foreach (var m in def.Members)
        {
            switch (m.Name)
            {
                case "type": type = IntAttribute(btf, m.Type); break;
                case "max_entries": maxEntries = IntAttribute(btf, m.Type); break;
                case "map_flags": flags = IntAttribute(btf, m.Type); break;
                case "pinning": pinning = IntAttribute(btf, m.Type); break;
                case "key_size": keySize = IntAttribute(btf, m.Type); break;
                case "value_size": valueSize = IntAttribute(btf, m.Type); break;
                case "key":
                    keyType = Pointee(btf, m.Type);
                    keySize = (uint)(BtfWalk.SizeOf(btf, keyType) ?? 0);
                    break;
                case "value":
                    valueType = Pointee(btf, m.Type);
                    valueSize = (uint)(BtfWalk.SizeOf(btf, valueType) ?? 0);
                    break;
                case "values" when depth == 0:
                    // map-in-map: `struct inner *values[]` — an array of pointers to the inner definition.
                    var arr = BtfWalk.SkipModsAndTypedefs(btf, m.Type);
                    if (btf.GetType(arr) is BtfArray a &&
                        btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, a.ElementType)) is BtfPtr p &&
                        btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, p.Target)) is BtfComposite innerDef)
                        inner = ParseDefinition(btf, name + ".inner", innerDef, section, offset, openErrors, depth + 1);
                    valueSize = 4;
                    break;
            }
        }
        return new BpfMap
        {
            Name = name,
            Origin = MapOrigin.BtfDefined,
            SectionName = section.Name,
            SectionIndex = section.Index,
            SectionOffset = offset,
            Definition = new(type, keySize, valueSize, maxEntries, flags),
            Pinning = pinning,
            KeyType = keyType,
            ValueType = valueType,
            Inner = inner,
        };
    }

    /// <summary>`int (*name)[N]` → N.</summary>
    private static uint IntAttribute(BtfSpec btf, BtfTypeId id)
    {
        var t = btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, id));
        if (t is BtfPtr p && btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, p.Target)) is BtfArray a) return a.Count;
        return 0;
    }

    private static BtfTypeId Pointee(BtfSpec btf, BtfTypeId id) =>
        btf.GetType(BtfWalk.SkipModsAndTypedefs(btf, id)) is BtfPtr p ? p.Target : BtfTypeId.Void;
}
