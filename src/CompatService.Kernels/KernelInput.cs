using CompatService.Engine.Kernels;
using CompatService.HostKernels;

namespace CompatService.Kernels;

/// <summary>
/// The one door for kernel inputs: bytes (an upload: raw / compressed BTF, vmlinux, bzImage, arm64 Image[.gz], .deb,
/// a module .ko), a file, a kernel directory (see <see cref="KernelDirectory"/>), or the running kernel
/// (<c>/sys/kernel/btf/vmlinux</c> or <c>/sys/kernel/btf</c>: module BTFs, release, config, distro through
/// <see cref="HostKernel"/>, the same reader the agent uses) become a <see cref="KernelSource"/>, and
/// <see cref="KernelSource.Open"/> the engine's kernel. The CLI's <c>--kernel</c>, the service's upload and `import`
/// all come through here.
/// </summary>
public static class KernelInput
{
    /// <summary>A kernel read from <paramref name="path"/>, opened for the engine (with its config when it has one).</summary>
    public static LoadedKernel Load(string path)
    {
        var (source, name) = Read(path);
        return new LoadedKernel(source.Open(), name, path, source.Arch, source.Flavour, source.Distro);
    }

    /// <summary>The running kernel under <paramref name="root"/> (tests point it at a fake tree).</summary>
    public static LoadedKernel LoadHost(string root = "/")
    {
        var host = HostKernel.Discover(root);
        return new LoadedKernel(host.OpenEngineKernel(), host.Release is null ? "host" : "host-" + host.Release, host.VmlinuxPath, host.Arch);
    }

    /// <summary>What <paramref name="path"/> holds, unopened, and the name it goes by (directory or file name, host-R).</summary>
    public static (KernelSource Source, string Name) Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (HostKernel.IsHostBtfPath(path))
        {
            var host = HostKernel.Discover();
            return (host.Source, host.Release is null ? "host" : "host-" + host.Release);
        }
        if (Directory.Exists(path))
        {
            if (KernelDirectory.IsKernelDirectory(path))
                return (KernelDirectory.Read(path), Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))));
            throw new FileNotFoundException($"{path}: not a kernel directory (no vmlinux.btf.gz, vmlinux.btf or vmlinux)", path);
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file or directory", path);
        return (FromBytes(File.ReadAllBytes(path), Path.GetFileName(path)), Path.GetFileName(path));
    }

    /// <summary>
    /// Any single-file form, from its bytes: a module ELF (.ko) is taken by its .BTF alone; everything else goes through
    /// <see cref="KernelIngest"/> (raw / compressed BTF, vmlinux, bzImage, arm64 Image[.gz], linux-image .deb).
    /// </summary>
    /// <exception cref="Engine.Binary.InputLimitException">larger than a limit (a service answers 413)</exception>
    /// <exception cref="Engine.Binary.BpfFormatException">malformed (422)</exception>
    public static KernelSource FromBytes(ReadOnlyMemory<byte> bytes, string? fileName, IngestLimits? limits = null)
    {
        NotAKernel.RejectBpfObject(bytes.Span);
        if (IsModuleElf(bytes.Span)) return new KernelSource(bytes, [], "module-elf");
        return FromIngest(KernelIngest.Read(bytes, fileName, limits));
    }

    /// <summary>An ingestion result as a kernel input: modules, release, arch, flavour, config, KF_* flags from .BTF_ids.</summary>
    public static KernelSource FromIngest(KernelIngestResult r) => new(
        r.VmlinuxBtf,
        r.Modules.Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Name, m.Btf)).ToList(),
        r.Form + (r.Compression is { } c ? "/" + c : ""),
        r.Release, r.Arch, r.Flavour, r.Form == "deb" ? "debian" : null, r.Config, r.KfuncFlags, r.Kallsyms);

    /// <summary>An ELF relocatable (a .ko): loaded as before, by its .BTF alone.</summary>
    private static bool IsModuleElf(ReadOnlySpan<byte> data) =>
        Engine.Elf.ElfFile.IsElf(data) && data.Length >= 18 && data[16] + (data[17] << 8) is 1 or 0x100;
}
