using CompatService.Contracts;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine;

// CONTRACT: the facade every face (CLI, service, agent, dashboard) calls. Bodies are being implemented.

/// <summary>The engine's front door: bytes in, objects / kernels / verdicts out. Pure: no files, no syscalls.</summary>
public static class CompatEngine
{
    /// <summary>Engine version; matrix cells are keyed by it so a new engine recomputes.</summary>
    public const string Version = "0.1.0";

    /// <summary>Parses a BPF ELF object. Throws BpfFormatException on malformed bytes.</summary>
    public static BpfObject OpenObject(ReadOnlyMemory<byte> elf) => throw new NotImplementedException();

    /// <summary>
    /// Builds a kernel from its vmlinux BTF in any form the engine reads without decompressing images
    /// (raw BTF either endian, gzip'd raw BTF, vmlinux ELF with .BTF) plus optional module BTFs (same forms).
    /// </summary>
    public static KernelBtfSet OpenKernel(ReadOnlyMemory<byte> vmlinux, IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>>? modules = null,
        string? release = null, IReadOnlyDictionary<string, uint>? kfuncFlags = null) => throw new NotImplementedException();

    /// <summary>What each program needs: kfuncs (weak/strong, call sites, existence checks), ksyms, kconfig, helpers.</summary>
    public static ObjectSummary Inspect(BpfObject obj) => throw new NotImplementedException();

    /// <summary>The verdict of every program of <paramref name="obj"/> on <paramref name="kernel"/>; <paramref name="kernelLabel"/> goes into each result.</summary>
    public static IReadOnlyList<ProgramResult> Check(BpfObject obj, KernelBtfSet kernel, string kernelLabel) => throw new NotImplementedException();

    /// <summary>The fixups for one program on one kernel and the program's instructions after applying them.</summary>
    public static RelocationResult Relocate(BpfObject obj, KernelBtfSet kernel, string programName) => throw new NotImplementedException();
}
