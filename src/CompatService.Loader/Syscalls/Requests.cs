using CompatService.Engine.Object;
using CompatService.Engine.Preparation;

namespace CompatService.Loader.Syscalls;

/// <summary>
/// BPF_MAP_CREATE arguments: the engine's <see cref="MapDefinition"/> (as sized for this host) plus what only the host
/// has. Fds are raw numbers the caller keeps open for the call.
/// </summary>
public sealed record MapCreateRequest
{
    public required MapDefinition Definition { get; init; }
    public string? Name { get; init; }
    public int InnerMapFd { get; init; }
    /// <summary>The BTF of the key and value types; <c>default</c> for none (libbpf's retry without BTF).</summary>
    public MapBtf Btf { get; init; }
    public ulong MapExtra { get; init; }
    /// <summary>struct_ops value type in a module's BTF (needs BPF_F_VTYPE_BTF_OBJ_FD in the flags).</summary>
    public int ValueTypeBtfObjFd { get; init; }
}

/// <summary>bpf_attr's btf_fd, btf_key_type_id, btf_value_type_id and btf_vmlinux_value_type_id of a map.</summary>
public readonly record struct MapBtf(int Fd, uint KeyTypeId, uint ValueTypeId, uint VmlinuxValueTypeId = 0)
{
    public bool HasKeyOrValue => KeyTypeId != 0 || ValueTypeId != 0;
}

/// <summary>BPF_PROG_LOAD arguments. <see cref="Instructions"/> are encoded 8-byte slots in host byte order.</summary>
public sealed record ProgLoadRequest
{
    public required uint ProgType { get; init; }
    public required ReadOnlyMemory<byte> Instructions { get; init; }
    public required string License { get; init; }
    public string? Name { get; init; }
    public uint ExpectedAttachType { get; init; }
    public uint Flags { get; init; }
    public uint KernVersion { get; init; }
    public int ProgBtfFd { get; init; }
    /// <summary>func_info records (passed when their count is not zero).</summary>
    public ExtInfoRecords FuncInfo { get; init; }
    /// <summary>line_info records (passed when their count is not zero).</summary>
    public ExtInfoRecords LineInfo { get; init; }
    public uint AttachBtfId { get; init; }
    public int AttachBtfObjFd { get; init; }
    /// <summary>fd_array for module kfuncs (slot 0 unused); null when no module is referenced.</summary>
    public IReadOnlyList<int>? FdArray { get; init; }
}

/// <summary>How the verifier log is captured on failure.</summary>
public sealed record LogOptions
{
    public static readonly LogOptions Default = new();
    /// <summary>Log level used when a load without a log failed (1 = the verifier's normal log).</summary>
    public uint Level { get; init; } = 1;
    public int InitialSize { get; init; } = 64 * 1024;
    /// <summary>The buffer doubles on ENOSPC up to this size (the kernel accepts up to 1 GiB since 5.2; we stop well before).</summary>
    public int MaxSize { get; init; } = 16 * 1024 * 1024;
    /// <summary>PROG_LOAD retries on EAGAIN (libbpf: 5 attempts).</summary>
    public int EagainAttempts { get; init; } = 5;
    /// <summary>Load with a log from the start (costs the verifier time; a truncated log then fails the load with ENOSPC).</summary>
    public bool AlwaysLog { get; init; }
}

/// <summary>The outcome of BPF_PROG_LOAD (or BTF_LOAD): an fd, or the errno and the kernel's log.</summary>
public sealed record LoadResult(BpfFd? Fd, int Errno, string Log, int Attempts, int LogBufferSize, bool LogTruncated)
{
    public bool Succeeded => Fd is not null;
}

/// <summary>struct bpf_btf_info as the loader uses it.</summary>
public sealed record BtfObjectInfo(uint Id, string Name, bool KernelBtf, uint Size);
