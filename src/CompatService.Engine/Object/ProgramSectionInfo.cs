namespace CompatService.Engine.Object;

/// <summary>
/// What a libbpf-style section name says: program type (kernel enum name without the BPF_PROG_TYPE_ prefix,
/// lower-case, e.g. "xdp", "sched_cls", "tracing"), expected attach type, attach target, flags.
/// </summary>
public sealed record ProgramSectionInfo(
    string ProgramType,
    uint ProgramTypeId,
    string? AttachType,
    uint AttachTypeId,
    string? AttachTarget,
    bool Sleepable,
    bool AutoLoad);
