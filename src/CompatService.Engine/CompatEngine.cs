using CompatService.Contracts;
using CompatService.Engine.Analysis;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine;

/// <summary>The engine's front door: bytes in, objects / kernels / verdicts out. Pure: no files, no syscalls.</summary>
public static class CompatEngine
{
    /// <summary>Engine version; matrix cells are keyed by it so a new engine recomputes.</summary>
    public const string Version = "0.1.0";

    /// <summary>
    /// Parses a BPF ELF object. Throws BpfFormatException on malformed bytes, <see cref="AnalysisBudgetExceededException"/>
    /// (also a BpfFormatException) when the work exceeds <paramref name="budget"/>.
    /// </summary>
    public static BpfObject OpenObject(ReadOnlyMemory<byte> elf, AnalysisBudget? budget = null) => BpfObject.Parse(elf, budget);

    /// <summary>
    /// Builds a kernel from its vmlinux BTF in any form the engine reads without decompressing images
    /// (raw BTF either endian, gzip'd raw BTF, vmlinux ELF with .BTF) plus optional module BTFs (same forms).
    /// </summary>
    public static KernelBtfSet OpenKernel(ReadOnlyMemory<byte> vmlinux, IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>>? modules = null,
        string? release = null, IReadOnlyDictionary<string, uint>? kfuncFlags = null, AnalysisBudget? budget = null) =>
        KernelBtfReader.Open(vmlinux, modules, release, kfuncFlags, budget: budget);

    /// <summary>What each program needs: kfuncs (weak/strong, call sites, existence checks), ksyms, kconfig, helpers.</summary>
    public static ObjectSummary Inspect(BpfObject obj, AnalysisBudget? budget = null) => ObjectInspector.Inspect(obj, budget);

    /// <summary>
    /// The verdict of every program of <paramref name="obj"/> on <paramref name="kernel"/>; <paramref name="kernelLabel"/> goes
    /// into each result. Past <paramref name="budget"/> it throws <see cref="AnalysisBudgetExceededException"/>.
    /// </summary>
    public static IReadOnlyList<ProgramResult> Check(BpfObject obj, KernelBtfSet kernel, string kernelLabel, AnalysisBudget? budget = null) =>
        VerdictEngine.AnalyzeAll(obj, kernel, kernelLabel, budget).Select(a => a.Result).ToArray();

    /// <summary>Full analyses (fixups, relocated code, reachability) of every program.</summary>
    public static IReadOnlyList<ProgramAnalysis> Analyze(BpfObject obj, KernelBtfSet kernel, string kernelLabel, AnalysisBudget? budget = null) =>
        VerdictEngine.AnalyzeAll(obj, kernel, kernelLabel, budget);

    /// <summary>The fixups for one program on one kernel and the program's instructions after applying them.</summary>
    public static RelocationResult Relocate(BpfObject obj, KernelBtfSet kernel, string programName, string? kernelLabel = null, AnalysisBudget? budget = null)
    {
        var analysis = VerdictEngine.AnalyzeAll(obj, kernel, kernelLabel ?? kernel.Release ?? kernel.BtfSha256, budget)
            .FirstOrDefault(a => a.Program.Name == programName)
            ?? throw new ArgumentException($"no program named '{programName}' in the object", nameof(programName));
        var hex = analysis.Relocated.Select(i =>
        {
            Span<byte> b = stackalloc byte[Asm.Instruction.Size];
            i.Encode(b, obj.Endian);
            return Convert.ToHexStringLower(b);
        }).ToArray();
        return new RelocationResult(programName, analysis.Fixups, analysis.ModuleSlots.Skip(1).ToArray(), hex, analysis.Result);
    }
}
