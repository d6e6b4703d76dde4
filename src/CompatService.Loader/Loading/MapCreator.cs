using CompatService.Engine.Preparation;
using CompatService.Engine.Object;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Loading;

/// <summary>The maps of an object in the kernel: fds by definition, and the first map that failed (libbpf fails the object).</summary>
public sealed class CreatedMaps
{
    public Dictionary<BpfMap, BpfFd> Fds { get; } = new(ReferenceEqualityComparer.Instance);
    public BpfFd? Kconfig { get; set; }
    public string? Error { get; set; }
    public int? Errno { get; set; }
}

/// <summary>
/// Creates an object's maps the way libbpf's bpf_object__create_maps does: BTF key/value type ids when the object's BTF
/// is loaded (cleared for map types the kernel refuses them on; retried without BTF on failure), internal global-data
/// maps as single-entry arrays named `obj.rodata` with their initial value (.rodata and .kconfig frozen), map-in-map
/// with the inner definition as template; sizes from the engine's <see cref="MapPreparation.Size"/> with this host's CPUs and page.
/// </summary>
public sealed class MapCreator(BpfApi bpf)
{
    /// <summary>Map types on which libbpf never passes BTF key/value ids.</summary>
    private static readonly HashSet<uint> NoBtfTypes =
    [
        BpfConst.MapTypePerfEventArray, BpfConst.MapTypeCgroupArray, BpfConst.MapTypeStackTrace, BpfConst.MapTypeArrayOfMaps,
        BpfConst.MapTypeHashOfMaps, BpfConst.MapTypeDevmap, BpfConst.MapTypeDevmapHash, BpfConst.MapTypeCpumap, BpfConst.MapTypeXskmap,
        BpfConst.MapTypeSockmap, BpfConst.MapTypeSockhash, BpfConst.MapTypeQueue, BpfConst.MapTypeStack, BpfConst.MapTypeArena,
    ];

    private static readonly byte[] ZeroKey = new byte[4];

    public CreatedMaps Create(BpfObject obj, int btfFd, Func<string, uint> datasecId, byte[]? kconfigValue, LoadOptions options)
    {
        var result = new CreatedMaps();
        foreach (var map in obj.Maps)
        {
            try
            {
                var fd = CreateOne(map, obj, btfFd, datasecId, options);
                result.Fds[map] = fd;
                if (map.Origin == MapOrigin.GlobalData && !map.SectionName.StartsWith(".bss", StringComparison.Ordinal) && map.Definition.ValueSize > 0)
                {
                    var value = new byte[map.Definition.ValueSize];
                    map.InitialValue.Span[..Math.Min(map.InitialValue.Length, value.Length)].CopyTo(value);
                    bpf.MapUpdateElem(fd, ZeroKey, value);
                    if (map.IsReadOnly) bpf.MapFreeze(fd);
                }
                if (options.PinDirectory is { } dir && map.Pinning == 1) bpf.ObjPin(fd, Path.Combine(dir, map.Name));
            }
            catch (BpfException e)
            {
                result.Error = $"map '{map.Name}': failed to create: {e.Message}";
                result.Errno = e.Errno;
                return result;
            }
        }
        if (kconfigValue is { Length: > 0 })
        {
            try
            {
                var fd = bpf.MapCreate(new MapCreateRequest
                {
                    Definition = new(BpfConst.MapTypeArray, 4, (uint)kconfigValue.Length, 1, BpfConst.FRdonlyProg),
                    Name = MapPreparation.InternalName(options.ObjectName, ".kconfig"),
                    Btf = new(btfFd, 0, btfFd > 0 ? datasecId(".kconfig") : 0),
                });
                result.Kconfig = fd;
                bpf.MapUpdateElem(fd, ZeroKey, kconfigValue);
                bpf.MapFreeze(fd);
            }
            catch (BpfException e)
            {
                result.Error = $"map '.kconfig': failed to create: {e.Message}";
                result.Errno = e.Errno;
            }
        }
        return result;
    }

    private BpfFd CreateOne(BpfMap map, BpfObject obj, int btfFd, Func<string, uint> datasecId, LoadOptions options)
    {
        BpfFd? inner = null;
        try
        {
            if (map.Inner is { } innerDef) inner = CreateOne(innerDef, obj, btfFd, datasecId, options);
            var req = Request(map, btfFd, datasecId, options) with { InnerMapFd = inner?.Value ?? 0 };
            if (map.Definition.Type == BpfConst.MapTypeStructOps)
                throw new BpfException(BpfCommand.MapCreate, Errno.EOPNOTSUPP, LoaderLimits.StructOpsMapCreate);
            try
            {
                return bpf.MapCreate(req);
            }
            catch (BpfException) when (req.Btf.HasKeyOrValue)
            {
                // libbpf: "Error in bpf_create_map_xattr(...). Retrying without BTF."
                return bpf.MapCreate(req with { Btf = default });
            }
        }
        finally
        {
            inner?.Dispose(); // the kernel keeps only the template's shape
        }
    }

    private static MapCreateRequest Request(BpfMap map, int btfFd, Func<string, uint> datasecId, LoadOptions options)
    {
        uint keyId = 0, valueId = 0;
        if (btfFd > 0)
        {
            if (map.Origin == MapOrigin.GlobalData) valueId = datasecId(map.SectionName);
            else if (map.Origin == MapOrigin.BtfDefined) { keyId = map.KeyType.Value; valueId = map.ValueType.Value; }
        }
        if (NoBtfTypes.Contains(map.Definition.Type)) keyId = valueId = 0;
        var (maxEntries, valueSize) = MapPreparation.Size(map, new MapSizingHost(HostKernels.HostCpus.Possible,
            (uint)Environment.SystemPageSize, options.SizeUnsizedMaps ? options.UnsizedMaxEntries : null));
        var name = map.Origin == MapOrigin.GlobalData ? MapPreparation.InternalName(options.ObjectName, map.SectionName) : map.Name;
        var flags = map.Definition.Flags;
        if (map.Origin == MapOrigin.GlobalData && map.IsReadOnly) flags |= BpfConst.FRdonlyProg;
        return new MapCreateRequest
        {
            Definition = map.Definition with { ValueSize = valueSize, MaxEntries = maxEntries, Flags = flags },
            Name = name,
            Btf = new(keyId != 0 || valueId != 0 ? btfFd : 0, keyId, valueId),
        };
    }
}
