using CompatService.Engine.Binary;
using CompatService.Engine.Btf;
using CompatService.Engine.Elf;

namespace CompatService.Engine.Object;

/// <summary>
/// A parsed BPF ELF object (ET_REL, EM_BPF, either byte order): programs linked with their sub-programs,
/// maps, global data, externs in libbpf's order, license. Malformed bytes throw <see cref="BpfFormatException"/>;
/// well-formed objects that libbpf would refuse to open carry <see cref="OpenErrors"/> instead (a verdict, not bad input).
/// </summary>
public sealed partial class BpfObject
{
    public required ElfFile Elf { get; init; }
    public Endian Endian => Elf.Endian;
    public BtfSpec? Btf { get; init; }
    public BtfExt? BtfExt { get; init; }
    public string? License { get; init; }
    public uint? KernelVersion { get; init; }
    public required IReadOnlyList<BpfProgram> Programs { get; init; }
    public required IReadOnlyList<BpfMap> Maps { get; init; }
    public required IReadOnlyList<BpfExtern> Externs { get; init; }
    /// <summary>struct_ops maps and the kernel struct types they implement.</summary>
    public IReadOnlyList<StructOpsMap> StructOps { get; init; } = [];
    /// <summary>Why libbpf would refuse to open this object (e.g. an extern with no BTF); empty when it opens.</summary>
    public required IReadOnlyList<ObjectProblem> OpenErrors { get; init; }

    public bool IsGplCompatible => LicenseRules.IsGplCompatible(License);
}
