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
        var set = KernelBtfReader.Open(File.ReadAllBytes(path));
        return new LoadedKernel(set, Path.GetFileName(path), path);
    }

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
