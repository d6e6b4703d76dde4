using System.Runtime.InteropServices;

namespace CompatService.Benchmarks;

/// <summary>
/// libbpf's btf__new / btf__free called in this process (Debian's libbpf1), so that scripts/bench-btf.sh can time
/// libbpf and BtfSpec.Parse alternately on the very same blob bytes, under the same load, with the same warm caches.
/// </summary>
internal static partial class LibbpfNative
{
    private const string Library = "libbpf.so.1";

    [LibraryImport(Library, EntryPoint = "btf__new")]
    private static partial IntPtr BtfNew(ref byte data, uint size);

    [LibraryImport(Library, EntryPoint = "btf__free")]
    private static partial void BtfFree(IntPtr btf);

    [LibraryImport(Library, EntryPoint = "btf__type_cnt")]
    private static partial uint BtfTypeCount(IntPtr btf);

    [LibraryImport(Library, EntryPoint = "libbpf_set_print")]
    private static partial IntPtr SetPrint(IntPtr callback);

    /// <summary>Whether libbpf.so.1 can be loaded here (else the in-process comparison is skipped, with that reason).</summary>
    public static bool Available(out string reason)
    {
        if (NativeLibrary.TryLoad(Library, out var handle))
        {
            NativeLibrary.Free(handle);
            SetPrint(IntPtr.Zero); // silence libbpf's warnings on stderr
            reason = string.Empty;
            return true;
        }
        reason = $"{Library} not loadable (apt-get install libbpf1)";
        return false;
    }

    /// <summary>btf__new on the blob (libbpf copies it, checks the header and the string section, sizes every type and records its offset).</summary>
    public static IntPtr New(byte[] blob)
    {
        var btf = BtfNew(ref MemoryMarshal.GetArrayDataReference(blob), (uint)blob.Length);
        if (btf == IntPtr.Zero || (long)btf is < 0 and > -4096)
            throw new InvalidOperationException($"libbpf btf__new failed ({(long)btf})");
        return btf;
    }

    /// <summary>Types libbpf counts, void excluded.</summary>
    public static int TypeCount(IntPtr btf) => (int)BtfTypeCount(btf) - 1;

    public static void Free(IntPtr btf) => BtfFree(btf);
}
