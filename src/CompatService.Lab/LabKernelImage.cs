using System.Security.Cryptography;
using CompatService.Engine.Kernels;
using CompatService.Kernels;

namespace CompatService.Lab;

/// <summary>
/// The kernel to boot, through the existing kernel door: a bzImage/vmlinuz as is, or a Debian linux-image package
/// unpacked to its vmlinuz and config. The image's own BTF gives the sha256 the guest must show.
/// </summary>
public sealed record LabKernelImage(byte[] Bzimage, string BtfSha256, string? Release, string? Config, LoadedKernel Kernel)
{
    public static LabKernelImage Open(string imagePath, string? kernelDirectory, bool modules = true) =>
        Open(File.ReadAllBytes(imagePath), imagePath, kernelDirectory, null, modules);

    /// <summary>
    /// From bytes (the service's stored image); <paramref name="config"/> overrides the package's or directory's. A package's
    /// modules that register kfunc sets (and what they depend on) are taken to be inserted in the guest unless
    /// <paramref name="modules"/> is false.
    /// </summary>
    public static LabKernelImage Open(byte[] bytes, string imagePath, string? kernelDirectory, string? config, bool modules = true)
    {
        byte[] bz;
        KernelIngestResult? ingest = null;
        var moduleSet = LabModuleSet.None;
        if (DebianPackage.IsDeb(bytes))
        {
            var deb = DebianPackage.Read(bytes);
            bz = deb.Image?.ToArray() ?? throw new LabException($"{imagePath}: the package has no kernel image (vmlinuz)");
            config ??= deb.Config;
            ingest = KernelIngest.FromPackage(deb, Path.GetFileName(imagePath), IngestLimits.Default);
            if (modules)
                moduleSet = LabModules.FromPackage(bytes, ingest.Modules.Where(m => m.Kfuncs is { Count: > 0 }).Select(m => m.Name).ToList());
        }
        else bz = bytes;
        var image = ReadBootable(bz, imagePath);
        var arch = image.Form == "arm64-image" ? LabArch.Arm64 : LabArch.Amd64;
        if (arch == LabArch.Arm64) bz = image.Image.ToArray(); // QEMU boots the decompressed Image (Image.gz is gzip of it)
        if (image.Btf.IsEmpty) throw new LabException($"{imagePath}: the image has no BTF (CONFIG_DEBUG_INFO_BTF); the lab cannot check the guest is that kernel");
        var sha = Convert.ToHexStringLower(SHA256.HashData(image.Btf.Span));

        KernelSource source;
        LoadedKernel kernel;
        if (kernelDirectory is not null)
        {
            source = KernelDirectory.Read(kernelDirectory);
            kernel = new LoadedKernel(source.Open(), Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(kernelDirectory))),
                kernelDirectory, source.Arch, source.Flavour);
            if (kernel.Btf.BtfSha256 != sha)
                throw new LabException($"{imagePath} (BTF {sha[..12]}) is not the kernel of {kernelDirectory} (BTF {kernel.Btf.BtfSha256[..12]})");
            config ??= ConfigText(kernelDirectory);
        }
        else
        {
            source = KernelInput.FromIngest(ingest ?? KernelIngest.Read(bytes, Path.GetFileName(imagePath)));
            kernel = new LoadedKernel(source.Open(), Path.GetFileName(imagePath), imagePath, source.Arch, source.Flavour);
        }
        // the guest runs this image: its kallsyms are a fact about the guest even when the directory kept no image
        return new LabKernelImage(bz, sha, image.Release ?? kernel.Release, config, kernel)
        {
            Source = source, Kallsyms = kernel.Btf.Kallsyms ?? image.DecodeKallsyms(out _), Arch = arch, Modules = moduleSet,
            PackageModules = ingest?.Modules ?? [],
        };
    }

    /// <summary>
    /// A kernel QEMU can boot: an x86 bzImage, or an arm64 Image (raw or compressed, e.g. Debian's Image.gz / vmlinuz).
    /// A vmlinux ELF or anything else is refused.
    /// </summary>
    private static KernelImage ReadBootable(byte[] bytes, string imagePath)
    {
        KernelImage image;
        try { image = KernelImage.Read(bytes); }
        catch (CompatService.Engine.Binary.BpfFormatException e) { throw new LabException($"{imagePath}: not a bootable kernel image: {e.Message}"); }
        if (image.Form is not ("bzImage" or "arm64-image"))
            throw new LabException($"{imagePath}: not an x86 bzImage or an arm64 Image (a {image.Form} does not boot under QEMU)");
        return image;
    }

    /// <summary>The guest's architecture: amd64 for a bzImage, arm64 for an arm64 Image.</summary>
    public LabArch Arch { get; init; } = LabArch.Amd64;

    /// <summary>The kernel input the image was opened from (the one door: <see cref="KernelSource.Open"/>).</summary>
    public required KernelSource Source { get; init; }

    /// <summary>The image's kallsyms (typeless ksyms resolve against them), or null when the image's table cannot be decoded.</summary>
    public KallsymsTable? Kallsyms { get; init; }

    /// <summary>The package's modules the guest inserts (kfunc-set modules and their dependencies, in order); none for a bare image.</summary>
    public LabModuleSet Modules { get; init; } = LabModuleSet.None;

    /// <summary>The package's ingested modules (BTF, kfunc sets); empty for a bare image.</summary>
    public IReadOnlyList<IngestedModule> PackageModules { get; init; } = [];

    /// <summary>
    /// The kernel as the guest has it: vmlinux BTF, config, the image's kallsyms and the BTF of the modules the guest
    /// really inserted (<paramref name="inserted"/>; none: as a bare boot), opened through the one door
    /// (<see cref="KernelSource.Open"/>, the one place a config meets a kernel).
    /// </summary>
    public KernelBtfSet GuestKernel(IReadOnlyCollection<string>? inserted = null)
    {
        if (inserted is not { Count: > 0 })
            return (Source with
            {
                // no module is loaded in the guest: its /proc/kallsyms is the image's table (a name it lacks is missing for libbpf)
                Modules = [], Release = Release ?? Source.Release, Config = Config ?? Source.Config,
                Kallsyms = (Kallsyms ?? Source.Kallsyms)?.AsRunningWithoutModules(),
            }).Open();
        var modules = Source.Modules.Where(m => inserted.Contains(m.Key)).ToList();
        modules.AddRange(PackageModules.Where(m => inserted.Contains(m.Name) && modules.All(k => k.Key != m.Name))
            .Select(m => new KeyValuePair<string, ReadOnlyMemory<byte>>(m.Name, m.Btf)));
        var config = Config ?? Source.Config;
        return (Source with
        {
            // modules are loaded: the guest's /proc/kallsyms lists their symbols too; when which ones is certain (every
            // selected module inserted, the config known) the table is the running guest's, else the image's (vmlinux only)
            Modules = modules, Release = Release ?? Source.Release, Config = config, Kallsyms = GuestKallsyms(inserted, out _),
        }).Open();
    }

    /// <summary>
    /// The guest's /proc/kallsyms with <paramref name="inserted"/> loaded (<see cref="LabModuleKallsyms"/>), or, with
    /// <paramref name="why"/>, the image's table (vmlinux only: a name it lacks stays unknown) when that is not certain.
    /// </summary>
    public KallsymsTable? GuestKallsyms(IReadOnlyCollection<string> inserted, out string? why)
    {
        why = null;
        var image = Kallsyms ?? Source.Kallsyms;
        if (image is null || image.IncludesModules || inserted.Count == 0) return image;
        return LabModuleKallsyms.Running(image, Modules.InOrder, inserted, Config ?? Source.Config, out why) ?? image;
    }

    /// <summary>Kfunc name → the inserted module that registers it (from the package's kfunc sets).</summary>
    public IReadOnlyDictionary<string, string> ModuleKfuncs(IReadOnlyCollection<string> inserted)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in PackageModules.Where(m => inserted.Contains(m.Name)))
            foreach (var k in m.Kfuncs ?? []) map.TryAdd(k.Name, m.Name);
        return map;
    }

    private static string? ConfigText(string dir) => KernelConfigFile.TryRead(dir);
}
