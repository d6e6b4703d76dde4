using CompatService.Engine.Object;

namespace CompatService.Engine.Preparation;

/// <summary>
/// The host facts map sizing depends on: the possible CPUs (perf event arrays), the page size (ring buffers) and, when
/// the caller sizes unsized maps (the agent's `--size-maps`), the max_entries it gives them (else null).
/// </summary>
public sealed record MapSizingHost(int PossibleCpus, uint PageSize, int? UnsizedMaxEntries = null);

/// <summary>The pure parts of libbpf's map creation: internal map names and map sizing.</summary>
public static class MapPreparation
{
    /// <summary>enum bpf_map_type values whose sizes libbpf adjusts.</summary>
    public const uint MapTypePerfEventArray = 4, MapTypeStackTrace = 7, MapTypeRingbuf = 27;

    /// <summary>PERF_MAX_STACK_DEPTH (127) frames of 8 bytes: the value size a stack trace map is given when it has none.</summary>
    public const uint StackTraceValueSize = 127 * 8;

    /// <summary>
    /// max_entries and value_size as BPF_MAP_CREATE gets them: a perf event array without max_entries gets one entry per
    /// possible CPU (libbpf map_set_def_max_entries), a ring buffer is rounded up to a power-of-two multiple of the page
    /// (adjust_ringbuf_sz); with <see cref="MapSizingHost.UnsizedMaxEntries"/> an unsized map gets that many entries and a
    /// stack trace map without value_size gets <see cref="StackTraceValueSize"/> (what a program's own loader sets before load).
    /// </summary>
    public static (uint MaxEntries, uint ValueSize) Size(BpfMap map, MapSizingHost host)
    {
        var maxEntries = map.Definition.MaxEntries;
        var valueSize = map.Definition.ValueSize;
        if (map.Definition.Type == MapTypePerfEventArray && maxEntries == 0) maxEntries = (uint)host.PossibleCpus;
        if (map.Definition.Type == MapTypeRingbuf) maxEntries = RingbufSize(maxEntries, host.PageSize);
        if (host.UnsizedMaxEntries is { } unsized)
        {
            if (maxEntries == 0) maxEntries = (uint)unsized;
            if (map.Definition.Type == MapTypeStackTrace && valueSize == 0) valueSize = StackTraceValueSize;
        }
        return (maxEntries, valueSize);
    }

    /// <summary>BPF_OBJ_NAME_LEN: map and program names the kernel keeps, including the terminating zero.</summary>
    public const int ObjNameLen = 16;

    /// <summary>libbpf's internal map name: up to 8 characters of the object name, then the section name (".rodata").</summary>
    public static string InternalName(string objectName, string section)
    {
        var prefixLen = Math.Min(Math.Max(0, ObjNameLen - 1 - section.Length), objectName.Length);
        prefixLen = Math.Min(prefixLen, 8);
        return objectName[..prefixLen] + section;
    }

    /// <summary>Ring buffer size rounded up to a power-of-two multiple of the page size (libbpf adjust_ringbuf_sz).</summary>
    public static uint RingbufSize(uint size, uint page)
    {
        if (size != 0 && size % page == 0 && (size & (size - 1)) == 0) return size;
        var mul = Math.Max(1u, (size + page - 1) / page);
        var pow = 1u;
        while (pow < mul) pow <<= 1;
        return pow * page;
    }
}
