using System.Globalization;
using System.Text.Json;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;

namespace CompatService.Kernels;

/// <summary>
/// A kernel directory laid out like the corpus's <c>btf/&lt;kernel&gt;/</c>: <c>vmlinux.btf.gz</c> (or <c>vmlinux.btf</c>
/// or <c>vmlinux</c>), <c>modules/*.btf.gz</c> (or <c>*.btf</c>, <c>*.ko</c>), optional <c>info.json</c> (release, arch,
/// flavour) and <c>kfuncs-btf_ids.txt</c> (<c>name 0xflags</c>: the KF_* flags recovered from the image's .BTF_ids),
/// and optionally the kernel's image (<c>vmlinuz</c>, <c>Image.gz</c> or <c>Image</c>; only its kallsyms are taken, and
/// only when its BTF is the directory's). Modules are taken in ordinal file-name order.
/// </summary>
public static class KernelDirectory
{
    private static readonly string[] VmlinuxNames = ["vmlinux.btf.gz", "vmlinux.btf", "vmlinux"];
    private static readonly string[] ModuleSuffixes = [".btf.gz", ".btf", ".ko"];
    private static readonly string[] ImageNames = ["vmlinuz", "Image.gz", "Image"];

    /// <summary>Whether <paramref name="dir"/> holds a vmlinux BTF under one of the known names.</summary>
    public static bool IsKernelDirectory(string dir) => Directory.Exists(dir) && FindVmlinux(dir) is not null;

    /// <summary>The directory opened for the engine, named by the directory.</summary>
    public static LoadedKernel Load(string dir)
    {
        var source = Read(dir);
        return new LoadedKernel(source.Open(), Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(dir))), dir,
            source.Arch, source.Flavour, source.Distro);
    }

    /// <summary>The file holding the vmlinux BTF (its bytes identify an import), or null when there is none.</summary>
    public static string? VmlinuxFile(string dir) => FindVmlinux(dir);

    /// <summary>Everything the directory holds, as a kernel input (form "corpus-dir").</summary>
    public static KernelSource Read(string dir)
    {
        var vmlinux = FindVmlinux(dir) ?? throw new FileNotFoundException($"{dir}: no vmlinux.btf.gz, vmlinux.btf or vmlinux", dir);
        var modules = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        var moduleDir = Path.Combine(dir, "modules");
        if (Directory.Exists(moduleDir))
        {
            var files = Directory.GetFiles(moduleDir);
            Array.Sort(files, StringComparer.Ordinal);
            foreach (var file in files)
            {
                var name = ModuleName(Path.GetFileName(file));
                if (name is not null) modules.Add(new(name, File.ReadAllBytes(file)));
            }
        }

        string? release = null, arch = null, flavour = null, distro = null;
        var info = Path.Combine(dir, "info.json");
        if (File.Exists(info))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(info));
                release = Str(doc.RootElement, "release");
                arch = Str(doc.RootElement, "arch");
                flavour = Str(doc.RootElement, "flavour");
                distro = Str(doc.RootElement, "distro");
            }
            catch (JsonException e)
            {
                throw new BpfFormatException($"{info}: not valid JSON: {e.Message}", e.BytePositionInLine, inner: e);
            }
        }
        var flagsFile = Path.Combine(dir, "kfuncs-btf_ids.txt");
        IReadOnlyDictionary<string, uint>? flags = null;
        if (File.Exists(flagsFile))
        {
            try { flags = ParseKfuncFlags(File.ReadAllLines(flagsFile)); }
            catch (FormatException e) { throw new BpfFormatException($"{flagsFile}: {e.Message}", inner: e); }
        }
        var vmlinuxBytes = File.ReadAllBytes(vmlinux);
        return new KernelSource(vmlinuxBytes, modules, "corpus-dir", release, arch, flavour, distro,
            KernelConfigFile.TryRead(dir), flags, ImageKallsyms(dir, vmlinuxBytes));
    }

    /// <summary>The kallsyms of the image kept in the directory, or null when there is none (or it is another kernel's).</summary>
    private static KallsymsTable? ImageKallsyms(string dir, byte[] vmlinux)
    {
        var path = ImageNames.Select(n => Path.Combine(dir, n)).FirstOrDefault(File.Exists);
        if (path is null) return null;
        var image = KernelImage.Read(File.ReadAllBytes(path));
        if (!image.Btf.Span.SequenceEqual(KernelBtfReader.ExtractRawBtf(vmlinux, "vmlinux").Span))
            throw new BpfFormatException($"{path}: its BTF is not the BTF of {dir} (another kernel's image)", 0);
        return image.DecodeKallsyms(out _);
    }

    /// <summary>Parses <c>name 0xflags</c> lines (blank lines and # comments ignored).</summary>
    public static IReadOnlyDictionary<string, uint> ParseKfuncFlags(IEnumerable<string> lines)
    {
        var result = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#') continue;
            var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            uint flags = 0;
            if (parts.Length > 1)
            {
                var hex = parts[1].StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? parts[1][2..] : parts[1];
                if (!uint.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out flags))
                    throw new FormatException($"bad kfunc flags '{parts[1]}' for {parts[0]}");
            }
            result[parts[0]] = result.TryGetValue(parts[0], out var existing) ? existing | flags : flags;
        }
        return result;
    }

    private static string? FindVmlinux(string dir)
    {
        foreach (var name in VmlinuxNames)
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    private static string? ModuleName(string fileName)
    {
        foreach (var suffix in ModuleSuffixes)
            if (fileName.EndsWith(suffix, StringComparison.Ordinal) && fileName.Length > suffix.Length)
                return fileName[..^suffix.Length];
        return null;
    }

    private static string? Str(JsonElement root, string property) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
