using System.Formats.Tar;
using System.Text;
using CompatService.Engine.Binary;
using CompatService.Engine.Elf;
using CompatService.Engine.Kernels;

namespace CompatService.Kernels;

/// <summary>A kernel module's split BTF (and .BTF_ids bytes) taken from a .ko.</summary>
/// <param name="Name">module name as the kernel knows it (file name without .ko[.xz|.zst|.gz], '-' → '_').</param>
/// <param name="Path">path inside the package.</param>
public sealed record ModuleBtfBlob(string Name, string Path, ReadOnlyMemory<byte> Btf, ReadOnlyMemory<byte> BtfIds, Endian Endian);

/// <summary>
/// A Debian kernel package (<c>linux-image-*.deb</c>): <c>ar</c> → <c>data.tar.{xz,zst,gz,bz2,lzma}</c> (or plain
/// <c>data.tar</c>) → <c>boot/vmlinuz-*</c>, <c>boot/config-*</c> and the modules' <c>.BTF</c> sections
/// (<c>lib/modules/*/**/*.ko[.xz|.zst|.gz]</c>). The tar is streamed; only wanted files are kept.
/// </summary>
public sealed class DebianPackage
{
    private DebianPackage(string? imagePath, ReadOnlyMemory<byte>? image, string? configPath, string? config,
        IReadOnlyList<ModuleBtfBlob> modules, IReadOnlyList<string> notes, int modulesSeen)
    {
        ImagePath = imagePath; Image = image; ConfigPath = configPath; Config = config; Modules = modules; Notes = notes;
        ModulesSeen = modulesSeen;
    }

    /// <summary>Path of the kernel image inside the package (boot/vmlinuz-*, or boot/vmlinux-*), or null.</summary>
    public string? ImagePath { get; }
    public ReadOnlyMemory<byte>? Image { get; }
    public string? ConfigPath { get; }
    public string? Config { get; }
    /// <summary>Modules kept (see <see cref="IngestLimits.ModulesWithKfuncSetsOnly"/>), sorted by name.</summary>
    public IReadOnlyList<ModuleBtfBlob> Modules { get; }
    /// <summary>Every .ko file seen in the package.</summary>
    public int ModulesSeen { get; }
    /// <summary>Things skipped and why (a module without .BTF, an unreadable module, ...).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True for an ar archive whose first member is debian-binary.</summary>
    public static bool IsDeb(ReadOnlySpan<byte> data) =>
        ArArchive.IsAr(data) && data.Length >= 8 + 16 && data.Slice(8, 14).SequenceEqual("debian-binary "u8[..14]);

    public static DebianPackage Read(ReadOnlyMemory<byte> deb, IngestLimits? limits = null)
    {
        limits ??= IngestLimits.Default;
        var (kind, data) = DataMember(deb);
        return Compression.Guard(kind, data.Name, () =>
        {
            using var tarStream = Compression.OpenLimited(kind, data.Data, limits.MaxDecompressedBytes, data.Name);
            return ReadTar(tarStream, data.Name, limits);
        });
    }

    /// <summary>
    /// Streams the package's data.tar once and hands every regular file whose normalized path <paramref name="want"/>
    /// accepts to <paramref name="take"/> (bytes as stored, at most <paramref name="maxFileBytes"/> each; the tar as a whole
    /// within <see cref="IngestLimits.MaxDecompressedBytes"/>). The lab reads module files (.ko, modules.dep) this way.
    /// </summary>
    public static void ReadFiles(ReadOnlyMemory<byte> deb, Func<string, bool> want, Action<string, byte[]> take, long maxFileBytes,
        IngestLimits? limits = null)
    {
        limits ??= IngestLimits.Default;
        var (kind, data) = DataMember(deb);
        Compression.Guard(kind, data.Name, () =>
        {
            using var tarStream = Compression.OpenLimited(kind, data.Data, limits.MaxDecompressedBytes, data.Name);
            using var reader = new TarReader(tarStream, leaveOpen: true);
            while (reader.GetNextEntry(copyData: false) is { } entry)
            {
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
                var path = Normalize(entry.Name);
                if (want(path)) take(path, ReadEntry(entry, maxFileBytes, path));
            }
            return 0;
        });
    }

    private static (CompressionKind Kind, ArMember Data) DataMember(ReadOnlyMemory<byte> deb)
    {
        var members = ArArchive.Read(deb);
        if (members.Count == 0 || members[0].Name != "debian-binary")
            throw new BpfFormatException("not a Debian package: first ar member is not debian-binary", 8);
        var version = Encoding.ASCII.GetString(members[0].Data.Span).Trim();
        if (!version.StartsWith("2.", StringComparison.Ordinal))
            throw new BpfFormatException($"unsupported Debian package format '{version}'", members[0].Offset);
        var data = members.FirstOrDefault(m => m.Name.StartsWith("data.tar", StringComparison.Ordinal));
        if (data.Name is null) throw new BpfFormatException("Debian package has no data.tar member", 8);

        var kind = data.Name switch
        {
            "data.tar" => CompressionKind.None,
            "data.tar.xz" => CompressionKind.Xz,
            "data.tar.zst" => CompressionKind.Zstd,
            "data.tar.gz" => CompressionKind.Gzip,
            "data.tar.bz2" => CompressionKind.Bzip2,
            "data.tar.lzma" => CompressionKind.Lzma,
            _ => throw new BpfFormatException($"unsupported data member '{data.Name}'", data.Offset),
        };
        if (kind != CompressionKind.None && Compression.Detect(data.Data.Span) != kind)
            throw new BpfFormatException($"{data.Name}: content is not {Compression.Name(kind)}", data.Offset);
        return (kind, data);
    }

    private static DebianPackage ReadTar(Stream tarStream, string what, IngestLimits limits)
    {
        string? imagePath = null, configPath = null, config = null;
        ReadOnlyMemory<byte>? image = null;
        var modules = new List<ModuleBtfBlob>();
        var notes = new List<string>();
        var seen = 0;
        using var reader = new TarReader(tarStream, leaveOpen: true);
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            var path = Normalize(entry.Name);
            var file = path[(path.LastIndexOf('/') + 1)..];
            if (path.StartsWith("boot/", StringComparison.Ordinal) && path.IndexOf('/', 5) < 0)
            {
                if (file.StartsWith("vmlinuz-", StringComparison.Ordinal) || (file.StartsWith("vmlinux-", StringComparison.Ordinal) && imagePath is null))
                {
                    imagePath = path;
                    image = ReadEntry(entry, limits.MaxInputBytes, path);
                }
                else if (file.StartsWith("config-", StringComparison.Ordinal))
                {
                    configPath = path;
                    config = Encoding.UTF8.GetString(ReadEntry(entry, limits.MaxConfigBytes, path));
                }
                continue;
            }
            if (!path.StartsWith("lib/modules/", StringComparison.Ordinal) && !path.StartsWith("usr/lib/modules/", StringComparison.Ordinal)) continue;
            var moduleName = ModuleName(file, out var moduleCompression);
            if (moduleName is null) continue;
            if (++seen > limits.MaxModules) throw new InputLimitException($"{what}: more modules than the limit of {limits.MaxModules}", limits.MaxModules, 0);
            var packed = ReadEntry(entry, limits.MaxModuleBytes, path);
            var module = ReadModule(moduleName, path, packed, moduleCompression, limits, notes);
            if (module is null) continue;
            if (limits.ModulesWithKfuncSetsOnly && !MayHoldKfuncSets(module)) continue;
            modules.Add(module);
        }
        modules.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new DebianPackage(imagePath, image, configPath, config, modules, notes, seen);
    }

    /// <summary>"./lib/modules/x" → "lib/modules/x".</summary>
    private static string Normalize(string name)
    {
        var n = name.Replace('\\', '/');
        while (n.StartsWith("./", StringComparison.Ordinal)) n = n[2..];
        return n.TrimStart('/');
    }

    /// <summary>"nf_conntrack.ko.xz" → "nf_conntrack"; "bar-mod.ko" → "bar_mod"; null for anything that is not a module.</summary>
    public static string? ModuleName(string fileName, out CompressionKind compression)
    {
        compression = CompressionKind.None;
        string stem;
        if (fileName.EndsWith(".ko", StringComparison.Ordinal)) stem = fileName[..^3];
        else if (fileName.EndsWith(".ko.xz", StringComparison.Ordinal)) { stem = fileName[..^6]; compression = CompressionKind.Xz; }
        else if (fileName.EndsWith(".ko.zst", StringComparison.Ordinal)) { stem = fileName[..^7]; compression = CompressionKind.Zstd; }
        else if (fileName.EndsWith(".ko.gz", StringComparison.Ordinal)) { stem = fileName[..^6]; compression = CompressionKind.Gzip; }
        else return null;
        return stem.Length == 0 ? null : stem.Replace('-', '_');
    }

    private static byte[] ReadEntry(TarEntry entry, long max, string path)
    {
        if (entry.Length < 0 || entry.Length > max)
            throw new InputLimitException($"{path}: {entry.Length} bytes, more than the limit of {max}", max, 0);
        // The header's length is a claim: read what really arrives (a forged header in a tiny package must not make us
        // allocate the whole limit up front).
        if (entry.DataStream is not { } s) return entry.Length == 0 ? [] : throw new BpfFormatException($"{path}: no data for {entry.Length} bytes", 0);
        using var output = new MemoryStream((int)Math.Min(entry.Length, 1L << 20));
        var chunk = new byte[1 << 16];
        int n;
        while (output.Length < entry.Length && (n = s.Read(chunk, 0, (int)Math.Min(chunk.Length, entry.Length - output.Length))) > 0)
            output.Write(chunk, 0, n);
        if (output.Length != entry.Length)
            throw new BpfFormatException($"{path}: archive entry ends after {output.Length} of {entry.Length} bytes", 0);
        return output.Length == output.Capacity ? output.GetBuffer() : output.ToArray();
    }

    /// <summary>Decompresses a .ko and takes its .BTF / .BTF_ids; a module that cannot be read is noted and skipped.</summary>
    private static ModuleBtfBlob? ReadModule(string name, string path, byte[] packed, CompressionKind compression,
        IngestLimits limits, List<string> notes)
    {
        try
        {
            var ko = compression == CompressionKind.None ? packed : Compression.Decompress(compression, packed, limits.MaxModuleBytes, path);
            var elf = ElfFile.Parse(ko);
            var btf = elf.FindSection(".BTF");
            if (btf is null || btf.Data.IsEmpty) { notes.Add($"{path}: no .BTF section"); return null; }
            var ids = elf.FindSection(".BTF_ids");
            // Copy the two sections so the whole .ko can be collected.
            return new ModuleBtfBlob(name, path, btf.Data.ToArray(), ids?.Data.ToArray() ?? ReadOnlyMemory<byte>.Empty, elf.Endian);
        }
        catch (BpfFormatException e)
        {
            notes.Add($"{path}: skipped: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Whether the module's .BTF_ids may hold a kfunc set: a set8-shaped run (count, flags ∈ {0, 1}, ascending
    /// non-zero ids). Cheap and name-free; the real check (ids are FUNCs of the module) happens at ingestion.
    /// </summary>
    private static bool MayHoldKfuncSets(ModuleBtfBlob module) =>
        !module.BtfIds.IsEmpty &&
        BtfIdsScanner.FindSets(module.BtfIds.Span, module.Endian, _ => string.Empty, uint.MaxValue).Count > 0;
}
