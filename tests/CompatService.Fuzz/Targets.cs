using System.IO.Compression;
using System.Text;
using CompatService.Engine;
using CompatService.Engine.Asm;
using CompatService.Engine.Btf;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;
using CompatService.Kernels;
using CompatService.Tests.Shared;

namespace CompatService.Fuzz;

/// <summary>
/// One fuzz target: what it runs on one input, where its seeds come from, and the fixed allocation allowed on top of 64x
/// the input (the parsed fixture kernel; for the decompressing doors the decoders' own state: bzip2 blocks, lzma/xz
/// dictionaries up to 64 MiB).
/// </summary>
public sealed record Target(string Name, string What, Action<byte[]> Run, Func<IEnumerable<byte[]>> Seeds, long FixedAllowance);

/// <summary>
/// One target per entry point of issue 11. Each input must end in a verdict or a <see cref="Engine.Binary.BpfFormatException"/>;
/// anything else escaping is a crash.
/// </summary>
public static class Targets
{
    private static readonly Lazy<KernelBtfSet> Kernel = new(() => KernelDirectory.Load(Path.Combine(Repo.Fixtures, "kernels", "debian-6.1.0-47-amd64")).Btf);
    private static readonly Lazy<BpfObject[]> Objects = new(() =>
        new[] { "kfunc_strong_present", "core_kinds", "kconfig_externs", "ksym_typed_present", "kfunc_weak_missing_guarded", "socket_filter_map" }
            .Select(n => BpfObject.Parse(File.ReadAllBytes(Path.Combine(Repo.Fixtures, "bpf", n + ".bpfel.o")))).ToArray());
    private static readonly Lazy<BtfSpec> SplitBase = new(() => BpfObject.Parse(File.ReadAllBytes(Path.Combine(Repo.Fixtures, "bpf", "core_kinds.bpfel.o"))).Btf!);

    public static readonly IReadOnlyList<Target> All =
    [
        new("object", "object parse + inspect + disassemble", ObjectTarget, ObjectSeeds, 8 << 20),
        new("btf", "raw BTF parse + validate + format", BtfTarget, BtfSeeds, 8 << 20),
        new("split-btf", "split BTF (on an object's BTF as base) parse + validate + format", SplitBtfTarget, BtfSeeds, 8 << 20),
        new("check-object", "full check of a mutated object against a real kernel (Debian 6.1 fixture)", CheckObjectTarget, ObjectSeeds, 16 << 20),
        new("check-kernel", "full check of real fixture objects against a mutated kernel BTF", CheckKernelTarget, KernelBtfSeeds, 64 << 20),
        new("kernel-input", "the kernel-input door (raw/gzip/xz/zstd/lz4 BTF, bzImage, Image, ELF, .deb)", KernelInputTarget, KernelInputSeeds, 128 << 20),
        new("config", "kernel config parser (plain or gzip'd)", ConfigTarget, ConfigSeeds, 64 << 20),
    ];

    public static Target Find(string name) =>
        All.FirstOrDefault(t => t.Name == name) ?? throw new ArgumentException($"no fuzz target '{name}' (targets: {string.Join(", ", All.Select(t => t.Name))})");

    private static void ObjectTarget(byte[] input)
    {
        var obj = CompatEngine.OpenObject(input);
        CompatEngine.Inspect(obj);
        foreach (var p in obj.Programs)
            Disassembler.FormatProgram(p.Instructions, Disassembler.HelperCallNames(p.Instructions), obj.Endian);
    }

    private static void FormatAll(BtfSpec spec)
    {
        spec.Validate();
        for (var i = spec.FirstTypeId; i <= spec.LastTypeId && i < spec.FirstTypeId + 4096; i++)
            BtfFormatter.FormatType(spec, new BtfTypeId(i));
    }

    private static void BtfTarget(byte[] input) => FormatAll(BtfSpec.Parse(input));

    private static void SplitBtfTarget(byte[] input) => FormatAll(BtfSpec.Parse(input, SplitBase.Value));

    private static void CheckObjectTarget(byte[] input) => CompatEngine.Check(CompatEngine.OpenObject(input), Kernel.Value, "fuzz");

    private static void CheckKernelTarget(byte[] input)
    {
        var kernel = CompatEngine.OpenKernel(input, release: "fuzz");
        foreach (var obj in Objects.Value) CompatEngine.Check(obj, kernel, "fuzz");
    }

    private static void KernelInputTarget(byte[] input)
    {
        var limits = IngestLimits.Default with { MaxInputBytes = 64L << 20, MaxDecompressedBytes = 256L << 20 };
        KernelIngest.Read(input, "fuzz-input", limits);
    }

    private static void ConfigTarget(byte[] input) => KernelConfig.Parse(KernelConfigFile.Decode(input, 4L << 20));

    // ---- seeds (from the repository's fixtures; generated where a fixture would be large) ----

    private static IEnumerable<byte[]> ObjectSeeds()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Fixtures, "bpf"), "*.o").Order()) yield return File.ReadAllBytes(f);
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Fixtures, "hostile"), "*.o").Order()) yield return File.ReadAllBytes(f);
        yield return HostileObjects.CallChain(12);
        yield return HostileObjects.SelfCall();
        yield return HostileObjects.LdImm64CutBeforeUnplacedTarget();
        yield return HostileObjects.ManySections(40);
    }

    private static IEnumerable<byte[]> BtfSeeds()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Fixtures, "bpf"), "*.bpfel.o").Order().Take(12))
            if (ElfBtf(File.ReadAllBytes(f)) is { } btf) yield return btf;
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Fixtures, "hostile"), "*.btf").Order()) yield return File.ReadAllBytes(f);
    }

    private static byte[]? ElfBtf(byte[] elf) => Engine.Elf.ElfFile.Parse(elf).FindSection(".BTF")?.Data.ToArray();

    private static IEnumerable<byte[]> KernelBtfSeeds()
    {
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Fixtures, "hostile"), "*.btf").Order()) yield return File.ReadAllBytes(f);
        foreach (var s in BtfSeeds().Take(4)) yield return s;
    }

    private static IEnumerable<byte[]> KernelInputSeeds()
    {
        var raw = BtfSeeds().First();
        yield return raw;
        yield return Gzip(raw);
        using (var zstd = new ZstdSharp.Compressor()) yield return zstd.Wrap(raw).ToArray();
        yield return Lz4Legacy(raw);
        foreach (var f in Directory.GetFiles(Path.Combine(Repo.Fixtures, "hostile"), "*.xz").Order()) yield return File.ReadAllBytes(f);
        yield return File.ReadAllBytes(Path.Combine(Repo.Fixtures, "hostile", "elf-shnum-overflow.o"));
    }

    private static IEnumerable<byte[]> ConfigSeeds()
    {
        var text = "# Linux/x86 6.1 Kernel Configuration\nCONFIG_BPF=y\nCONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\nCONFIG_KALLSYMS_ALL=y\nCONFIG_LOCALVERSION=\"-fuzz\"\n# CONFIG_DEBUG_INFO_BTF is not set\n";
        yield return Encoding.UTF8.GetBytes(text);
        yield return Gzip(Encoding.UTF8.GetBytes(text));
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest)) gz.Write(data);
        return ms.ToArray();
    }

    private static byte[] Lz4Legacy(byte[] data)
    {
        var block = new byte[K4os.Compression.LZ4.LZ4Codec.MaximumOutputSize(data.Length)];
        var n = K4os.Compression.LZ4.LZ4Codec.Encode(data, block);
        var output = new byte[8 + n];
        BitConverter.GetBytes(Compression.Lz4LegacyMagic).CopyTo(output, 0);
        BitConverter.GetBytes(n).CopyTo(output, 4);
        Array.Copy(block, 0, output, 8, n);
        return output;
    }
}

/// <summary>Where the repository's fixtures are (the directory holding CompatService.sln above the binary).</summary>
public static class Repo
{
    private static readonly Lazy<string> Root = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "CompatService.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("CompatService.sln not found above " + AppContext.BaseDirectory);
    });

    public static string RootDir => Root.Value;
    public static string Fixtures => Path.Combine(RootDir, "tests", "fixtures");
}
