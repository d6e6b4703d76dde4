namespace CompatService.Engine.Preparation;

/// <summary>The pure parts of libbpf's map creation: internal map names and ring buffer sizing.</summary>
public static class MapPreparation
{
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
