using CompatService.Engine.Preparation;
using CompatService.Loader.Syscalls;

namespace CompatService.Loader.Loading;

/// <summary>What loading one program did: loaded (fd kept open) or why not (errno when the kernel said no).</summary>
public sealed record ProgramLoadOutcome(string Program, bool Loaded, int? Errno, string Message, string Log, BpfFd? Fd)
{
    /// <summary>The last lines of the verifier log (where the verifier says why).</summary>
    public string Tail(int lines = 12)
    {
        if (Log.Length == 0) return "";
        var all = Log.TrimEnd('\n', '\0').Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}

/// <summary>The object after loading: kernel fds of its BTF and maps, and one outcome per attempted program.</summary>
public sealed class LoadedObject : IDisposable
{
    public required IReadOnlyList<ProgramLoadOutcome> Programs { get; init; }
    public BpfFd? Btf { get; init; }
    /// <summary>Why the object's BTF was not loaded into the kernel (programs then load without func/line info).</summary>
    public string? BtfError { get; init; }
    public required IReadOnlyDictionary<string, BpfFd> Maps { get; init; }
    /// <summary>What the loader did not do that libbpf would have (e.g. object BTF rejected by the kernel).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>The struct_ops maps' updates after the programs loaded (not part of any program's outcome).</summary>
    public IReadOnlyList<StructOpsRegistration> StructOps { get; init; } = [];

    public void Dispose()
    {
        foreach (var p in Programs) p.Fd?.Dispose();
        foreach (var m in Maps.Values) m.Dispose();
        Btf?.Dispose();
    }
}
