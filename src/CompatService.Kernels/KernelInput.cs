using CompatService.Engine.Kernels;

namespace CompatService.Kernels;

/// <summary>
/// Resolves a KERNEL argument of the CLI: a file (raw / gzip'd BTF, vmlinux or module ELF), a kernel directory
/// (see <see cref="KernelDirectory"/>), or the running kernel's <c>/sys/kernel/btf/vmlinux</c> (or the directory
/// <c>/sys/kernel/btf</c>), which also takes every other file there as a module and the release from
/// <c>/proc/sys/kernel/osrelease</c>.
/// </summary>
public static class KernelInput
{
    public const string SysfsBtfDir = "/sys/kernel/btf";
    public const string OsReleasePath = "/proc/sys/kernel/osrelease";

    public static LoadedKernel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (full == SysfsBtfDir || full == Path.Combine(SysfsBtfDir, "vmlinux"))
            return LoadSysfs(SysfsBtfDir, OsReleasePath);
        if (Directory.Exists(path))
        {
            if (KernelDirectory.IsKernelDirectory(path)) return KernelDirectory.Load(path);
            throw new FileNotFoundException($"{path}: not a kernel directory (no vmlinux.btf.gz, vmlinux.btf or vmlinux)", path);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or directory", path);
        var bytes = File.ReadAllBytes(path);
        NotAKernel.RejectBpfObject(bytes);
        if (IsModuleElf(bytes))
            return new LoadedKernel(KernelBtfReader.Open(bytes), Path.GetFileName(path), path);
        // Every other single-file form (raw / compressed BTF, vmlinux, bzImage, arm64 Image[.gz], linux-image .deb).
        return FromIngest(KernelIngest.Read(bytes, Path.GetFileName(path)), Path.GetFileName(path), path);
    }

    /// <summary>A loaded kernel from an ingestion result: modules, release, KF_* flags from .BTF_ids and the config.</summary>
    public static LoadedKernel FromIngest(KernelIngestResult r, string name, string source)
    {
        var set = KernelBtfReader.Open(r.VmlinuxBtf, r.Modules.Select(m => KeyValuePair.Create(m.Name, m.Btf)), r.Release, r.KfuncFlags);
        if (r.Config is not null)
            set = new KernelBtfSet(set.Vmlinux, set.Modules, set.BtfSha256, set.Release, set.KfuncFlags, KernelConfig.Parse(r.Config));
        return new LoadedKernel(set, name, source, r.Arch, r.Flavour);
    }

    /// <summary>An ELF relocatable (a .ko): loaded as before, by its .BTF alone.</summary>
    private static bool IsModuleElf(ReadOnlySpan<byte> data) =>
        Engine.Elf.ElfFile.IsElf(data) && data.Length >= 18 && data[16] + (data[17] << 8) is 1 or 0x100;

    /// <summary>
    /// A sysfs-style BTF directory: <c>vmlinux</c> plus one split BTF file per module (ordinal name order, as the
    /// BTF object ids are not visible in the files). <paramref name="osReleasePath"/> gives the release when it exists.
    /// </summary>
    public static LoadedKernel LoadSysfs(string btfDir, string? osReleasePath)
    {
        var vmlinux = Path.Combine(btfDir, "vmlinux");
        var files = Directory.GetFiles(btfDir);
        Array.Sort(files, StringComparer.Ordinal);
        var modules = new List<KeyValuePair<string, ReadOnlyMemory<byte>>>();
        foreach (var file in files)
        {
            var name = Path.GetFileName(file);
            if (name != "vmlinux") modules.Add(new(name, File.ReadAllBytes(file)));
        }
        string? release = null;
        if (osReleasePath is not null && File.Exists(osReleasePath))
            release = File.ReadAllText(osReleasePath).Trim() is { Length: > 0 } r ? r : null;
        var set = KernelBtfReader.Open(File.ReadAllBytes(vmlinux), modules, release);
        return new LoadedKernel(set, release is null ? "host" : "host-" + release, vmlinux);
    }
}
