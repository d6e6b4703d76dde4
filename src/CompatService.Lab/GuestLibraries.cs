using CompatService.Engine.Binary;
using CompatService.Engine.Elf;

namespace CompatService.Lab;

/// <summary>One file of the guest's filesystem taken from the host: where it goes in the guest, where it is read from.</summary>
public sealed record GuestFile(string GuestPath, string HostPath);

/// <summary>
/// The shared libraries of a binary of another architecture (the arm64 agent on an amd64 host), where `ldd` cannot run
/// it: the ELF's own PT_INTERP (<c>.interp</c>) and DT_NEEDED entries, resolved in a sysroot (Debian's packages of that
/// architecture unpacked), transitively. Each library goes to /lib/&lt;triplet&gt;/ in the guest (the dynamic loader's
/// default search path, no ld.so.cache needed), the loader to the path PT_INTERP names.
/// </summary>
public static class GuestLibraries
{
    /// <summary>The program interpreter and the DT_NEEDED names of an ELF64 binary (both empty/null for a static one).</summary>
    public static (string? Interpreter, IReadOnlyList<string> Needed, ushort Machine) ReadDynamic(byte[] bytes)
    {
        var elf = ElfFile.Parse(bytes);
        var interp = elf.FindSection(".interp") is { } i ? System.Text.Encoding.ASCII.GetString(i.Data.Span).TrimEnd('\0') : null;
        var needed = new List<string>();
        if (elf.FindSection(".dynamic") is { } dyn && dyn.Link < elf.Sections.Count)
        {
            var strtab = elf.Sections[(int)dyn.Link].Data.Span;
            var d = dyn.Data.Span;
            for (var off = 0; off + 16 <= d.Length; off += 16)
            {
                var tag = elf.Endian.U64(d[off..]);
                if (tag == 0) break; // DT_NULL
                if (tag != 1) continue; // DT_NEEDED
                var at = elf.Endian.U64(d[(off + 8)..]);
                if (at >= (ulong)strtab.Length) throw new BpfFormatException($"DT_NEEDED name offset 0x{at:x} beyond .dynstr", off);
                var s = strtab[(int)at..];
                var end = s.IndexOf((byte)0);
                needed.Add(System.Text.Encoding.ASCII.GetString(end < 0 ? s : s[..end]));
            }
        }
        return (interp, needed, elf.Machine);
    }

    /// <summary>
    /// The loader and every library <paramref name="binary"/> needs (transitively), plus <paramref name="extra"/> sonames
    /// (dlopened ones, e.g. libssl.so.3) and theirs, found in <paramref name="sysroot"/>. Throws when one is missing.
    /// </summary>
    public static IReadOnlyList<GuestFile> Resolve(string binary, string sysroot, LabArch arch, params string[] extra)
    {
        var (interp, needed, machine) = ReadDynamic(File.ReadAllBytes(binary));
        if (machine != arch.ElfMachine) throw new LabException($"{binary} is not an {arch.Name} binary (ELF machine {machine}, want {arch.ElfMachine})");
        var files = new List<GuestFile>();
        if (interp is null && needed.Count == 0) return files; // static
        if (interp is not null) files.Add(new GuestFile(interp, InSysroot(sysroot, interp) ?? throw Missing(interp, sysroot)));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<string>(needed.Concat(extra));
        while (queue.TryDequeue(out var soname))
        {
            if (!seen.Add(soname)) continue;
            var host = Find(sysroot, arch, soname) ?? throw Missing(soname, sysroot);
            if (interp is not null && Path.GetFileName(interp) == soname) continue; // the loader itself, already placed
            files.Add(new GuestFile($"/lib/{arch.Triplet}/{soname}", host));
            foreach (var n in ReadDynamic(File.ReadAllBytes(host)).Needed) queue.Enqueue(n);
        }
        return files;
    }

    /// <summary>A soname in the sysroot's library directories (multiarch first), symlinks followed inside the sysroot.</summary>
    public static string? Find(string sysroot, LabArch arch, string soname)
    {
        foreach (var dir in new[] { $"/lib/{arch.Triplet}", $"/usr/lib/{arch.Triplet}", "/lib", "/usr/lib" })
            if (InSysroot(sysroot, $"{dir}/{soname}") is { } p) return p;
        return null;
    }

    /// <summary>A path inside the sysroot with its symlinks resolved there (an absolute link target is the sysroot's, not the host's).</summary>
    public static string? InSysroot(string sysroot, string guestPath)
    {
        var path = guestPath;
        for (var hops = 0; hops < 16; hops++)
        {
            var host = Path.Combine(sysroot, path.TrimStart('/'));
            var info = new FileInfo(host);
            if (info.LinkTarget is { } target)
            {
                path = target.StartsWith('/') ? target : Path.Combine(Path.GetDirectoryName(path) ?? "/", target);
                continue;
            }
            return info.Exists ? host : null;
        }
        return null;
    }

    private static LabException Missing(string name, string sysroot) =>
        new($"{name} not found in the sysroot {sysroot} (scripts/build-agent-arm64.sh unpacks Debian's libc6 and libssl3 there)");
}
