using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;
using CompatService.Engine.Kernels;

namespace CompatService.Kernels;

/// <summary>A module's split BTF as ingested, with the kfuncs its .BTF_ids declare.</summary>
public sealed record IngestedModule(string Name, ReadOnlyMemory<byte> Btf, IReadOnlyList<KfuncSetEntry>? Kfuncs, string? Path = null);

/// <summary>Everything one kernel input yields.</summary>
public sealed class KernelIngestResult
{
    /// <summary>"raw-btf", "compressed-btf", "vmlinux", "bzImage", "arm64-image", "deb".</summary>
    public required string Form { get; init; }
    /// <summary>Compression of the image payload / BTF / vmlinux ("xz", "gzip", ...), or null.</summary>
    public string? Compression { get; init; }
    /// <summary>The raw vmlinux BTF.</summary>
    public required ReadOnlyMemory<byte> VmlinuxBtf { get; init; }
    /// <summary>Module split BTFs, sorted by name (only from packages).</summary>
    public IReadOnlyList<IngestedModule> Modules { get; init; } = [];
    public string? Release { get; init; }
    /// <summary>Debian architecture name (amd64, arm64, ...).</summary>
    public string? Arch { get; init; }
    /// <summary>From the release suffix: cloud-amd64, rt-amd64, arm64, ...</summary>
    public string? Flavour { get; init; }
    public string? Banner { get; init; }
    /// <summary>The kernel config text (boot/config-* of a package), or null.</summary>
    public string? Config { get; init; }
    /// <summary>vmlinux kfuncs with KF_* flags from the image's .BTF_ids; null when no image was present.</summary>
    public IReadOnlyList<KfuncSetEntry>? VmlinuxKfuncs { get; init; }
    /// <summary>Every kfunc (vmlinux and modules) → KF_* flags, OR'ed across sets; null when no image was present.</summary>
    public IReadOnlyDictionary<string, uint>? KfuncFlags { get; init; }
    /// <summary>The image's own kallsyms (names, types); null when no image was present or it has none readable.</summary>
    public KallsymsTable? Kallsyms { get; init; }
    /// <summary>What was skipped and why.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>
/// The one entry point for kernel inputs: detects the form (raw BTF, compressed BTF, vmlinux ELF, x86 bzImage,
/// arm64 Image[.gz], Debian package) and returns the BTF, modules, release, arch, flavour, config and the kfunc
/// flags recovered from .BTF_ids. Bytes in, data out; no files, no network.
/// </summary>
public static class KernelIngest
{
    public static KernelIngestResult Read(Stream input, string? fileName, IngestLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        limits ??= IngestLimits.Default;
        using var buffer = new MemoryStream();
        var chunk = new byte[1 << 16];
        int n;
        while ((n = input.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > limits.MaxInputBytes)
                throw new InputLimitException($"input larger than the limit of {limits.MaxInputBytes} bytes (refused)", limits.MaxInputBytes, limits.MaxInputBytes);
            buffer.Write(chunk, 0, n);
        }
        return Read(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), fileName, limits);
    }

    public static KernelIngestResult Read(ReadOnlyMemory<byte> data, string? fileName, IngestLimits? limits = null)
    {
        limits ??= IngestLimits.Default;
        if (data.Length > limits.MaxInputBytes)
            throw new InputLimitException($"input of {data.Length} bytes is larger than the limit of {limits.MaxInputBytes} (refused)", limits.MaxInputBytes, limits.MaxInputBytes);
        if (data.Length < 4) throw new BpfFormatException($"input of {data.Length} bytes is too short to be a kernel", 0);
        var span = data.Span;
        NotAKernel.RejectBpfObject(span);
        var nameRelease = KernelRelease.FromFileName(fileName);

        if (DebianPackage.IsDeb(span)) return FromPackage(DebianPackage.Read(data, limits), nameRelease, limits);
        if (RawBtfLocator.TryHeader(span, 0) is { } btfAt0)
            return FromBtf(data[..(int)btfAt0.Length], "raw-btf", null, nameRelease); // trailing padding is not BTF
        if (KernelImage.IsBzImage(span) || ElfFile.IsElf(span) || KernelImage.IsArm64Image(span))
            return FromImage(KernelImage.Read(data, limits), nameRelease, null, limits);

        if (NotAKernel.HasBtfMagic(span)) throw new BpfFormatException(NotAKernel.DescribeBadBtf(span), 0);
        var kind = Compression.Detect(span);
        if (kind == CompressionKind.None)
            throw new BpfFormatException("unrecognised kernel input: not BTF, ELF, bzImage, arm64 Image, Debian package or a compressed one of those", 0);
        var inner = Compression.Decompress(kind, data, limits.MaxImageBytes, $"{Compression.Name(kind)} input");
        if (RawBtfLocator.TryHeader(inner, 0) is { } innerBtf)
        {
            if (innerBtf.Length > limits.MaxBtfBytes) throw new InputLimitException($"BTF of {innerBtf.Length} bytes is larger than the limit of {limits.MaxBtfBytes}", limits.MaxBtfBytes, 0);
            return FromBtf(inner.AsMemory(0, (int)innerBtf.Length), "compressed-btf", Compression.Name(kind), nameRelease);
        }
        NotAKernel.RejectBpfObject(inner);
        if (ElfFile.IsElf(inner) || KernelImage.IsArm64Image(inner) || KernelImage.IsBzImage(inner))
            return FromImage(KernelImage.Read(inner, limits), nameRelease, Compression.Name(kind), limits);
        if (NotAKernel.HasBtfMagic(inner))
            throw new BpfFormatException(NotAKernel.DescribeBadBtf(inner, $"the {Compression.Name(kind)}-decompressed data"), 0);
        throw new BpfFormatException($"{Compression.Name(kind)}-compressed input holds neither BTF nor a kernel image", 0);
    }

    private static KernelIngestResult FromBtf(ReadOnlyMemory<byte> btf, string form, string? compression, string? release) => new()
    {
        Form = form,
        Compression = compression,
        VmlinuxBtf = btf,
        Release = release,
        Flavour = KernelRelease.Flavour(release),
    };

    private static KernelIngestResult FromImage(KernelImage image, string? nameRelease, string? outerCompression, IngestLimits limits)
    {
        var spec = BtfSpec.Parse(image.Btf, null, ".BTF");
        var kfuncs = ScanKfuncs(image.BtfIds, image.Endian, spec);
        var release = image.Release ?? nameRelease;
        var kallsyms = image.DecodeKallsyms(out var why);
        return new KernelIngestResult
        {
            Kallsyms = kallsyms,
            Notes = why is null ? [] : [$"kallsyms: {why}"],
            Form = image.Form,
            Compression = image.Compression ?? outerCompression,
            VmlinuxBtf = image.Btf,
            Release = release,
            Arch = image.Arch,
            Flavour = KernelRelease.Flavour(release),
            Banner = image.Banner,
            VmlinuxKfuncs = kfuncs,
            KfuncFlags = ToFlags(kfuncs, []),
        };
    }

    /// <summary>An already read package (the lab reads its modules too) as an ingestion result.</summary>
    public static KernelIngestResult FromPackage(DebianPackage package, string? nameRelease, IngestLimits limits)
    {
        if (package.Image is not { } imageBytes)
            throw new BpfFormatException("Debian package holds no boot/vmlinuz-* (not a linux-image package?)", 0);
        var image = KernelImage.Read(imageBytes, limits);
        var vmlinux = BtfSpec.Parse(image.Btf, null, ".BTF");
        var kfuncs = ScanKfuncs(image.BtfIds, image.Endian, vmlinux);
        var notes = new List<string>(package.Notes);
        var kallsyms = image.DecodeKallsyms(out var why);
        if (why is not null) notes.Add($"kallsyms: {why}");
        var modules = new List<IngestedModule>();
        foreach (var m in package.Modules)
        {
            try
            {
                var spec = BtfSpec.Parse(m.Btf, vmlinux, ".BTF");
                modules.Add(new IngestedModule(m.Name, m.Btf, ScanKfuncs(m.BtfIds, m.Endian, spec), m.Path));
            }
            catch (BpfFormatException e)
            {
                notes.Add($"{m.Path}: split BTF rejected: {e.Message}");
            }
        }
        var fromPath = KernelRelease.FromFileName(package.ImagePath);
        var release = image.Release ?? fromPath ?? nameRelease;
        return new KernelIngestResult
        {
            Form = "deb",
            Compression = image.Compression,
            VmlinuxBtf = image.Btf,
            Modules = modules,
            Release = release,
            Arch = image.Arch,
            Flavour = KernelRelease.Flavour(release),
            Banner = image.Banner,
            Config = package.Config,
            VmlinuxKfuncs = kfuncs,
            KfuncFlags = ToFlags(kfuncs, modules),
            Kallsyms = kallsyms,
            Notes = notes,
        };
    }

    /// <summary>Kfunc sets of a .BTF_ids region whose ids refer to <paramref name="spec"/> (vmlinux or a module on top of it).</summary>
    public static IReadOnlyList<KfuncSetEntry> ScanKfuncs(ReadOnlyMemory<byte> btfIds, Endian endian, BtfSpec spec)
    {
        if (btfIds.IsEmpty) return [];
        var first = spec.FirstTypeId;
        var last = spec.LastTypeId;
        string? NameOfFunc(uint id)
        {
            // Kfunc ids of a module point into the module's own types; vmlinux ids into vmlinux.
            if (id < first || id > last) return null;
            var typeId = new BtfTypeId(id);
            return spec.KindOf(typeId) == BtfKind.Func ? spec.NameOf(typeId) : null;
        }
        return BtfIdsScanner.Scan(btfIds.Span, endian, NameOfFunc, last);
    }

    private static Dictionary<string, uint> ToFlags(IReadOnlyList<KfuncSetEntry> vmlinux, IReadOnlyList<IngestedModule> modules)
    {
        var flags = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var e in vmlinux) flags[e.Name] = flags.GetValueOrDefault(e.Name) | e.Flags;
        foreach (var m in modules)
            foreach (var e in m.Kfuncs ?? [])
                flags[e.Name] = flags.GetValueOrDefault(e.Name) | e.Flags;
        return flags;
    }
}
