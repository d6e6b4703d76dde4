using System.Collections.Concurrent;
using System.Security.Cryptography;
using CompatService.Engine.Asm;

namespace CompatService.Engine.Analysis;

/// <summary>
/// The reachability walks of one object, remembered by everything a walk reads, so the same walk is not repeated on
/// another kernel (issue 13: a fleet's kernels often relocate a program to the same code; the walk is about three
/// quarters of a cell's Check). The key is a SHA-256 over exactly the walk's inputs: the relocated instructions (with
/// the fields <see cref="ReachabilityWalker"/> never reads zeroed: the imm / off of helper and kfunc calls, the imm of an
/// ld_imm64 that loads a BTF id / map), the poisoned calls, the host-only ld_imm64s and the constant memory (its regions'
/// bytes, known masks and the pointers into them). Equal keys mean equal walks, so a remembered result is the result.
/// A hit charges the budget the steps the walk took, so an analysis over its budget stops as it would have.
/// Pure and in memory (held by the <see cref="Object.BpfObject"/>, bounded per object); thread-safe.
/// </summary>
public sealed class WalkMemo
{
    /// <summary>Most walks remembered per object (each holds two bool[] of the program's length).</summary>
    public const int MaxEntries = 256;

    private readonly ConcurrentDictionary<string, (ReachabilityResult Result, long Steps)> _walks = new(StringComparer.Ordinal);
    private static long _hits, _misses;

    /// <summary>Walks served from a memo / walked, in this process (the fleet benchmark's profile reads them).</summary>
    public static (long Hits, long Misses) Stats => (Interlocked.Read(ref _hits), Interlocked.Read(ref _misses));

    [ThreadStatic] private static bool t_disabled;

    /// <summary>Set false to walk every time on this thread (the identical-verdicts test and the cell profile compare both).</summary>
    public static bool Enabled
    {
        get => !t_disabled;
        set => t_disabled = !value;
    }

    internal ReachabilityResult Analyze(IReadOnlyList<Instruction> insns, IReadOnlySet<int> poison, IReadOnlySet<int> hostOnly,
        ConstantMemory memory, Binary.AnalysisBudget budget, string what)
    {
        if (!Enabled) return ReachabilityAnalyzer.Analyze(insns, poison, hostOnly, memory, budget, what);
        var key = Key(insns, poison, hostOnly, memory);
        if (_walks.TryGetValue(key, out var hit))
        {
            Interlocked.Increment(ref _hits);
            if (!budget.TryCharge(hit.Steps)) throw budget.Exceeded(what);
            return hit.Result;
        }
        Interlocked.Increment(ref _misses);
        var before = budget.Used;
        var result = ReachabilityAnalyzer.Analyze(insns, poison, hostOnly, memory, budget, what);
        if (_walks.Count < MaxEntries) _walks.TryAdd(key, (result, budget.Used - before));
        return result;
    }

    internal static string Key(IReadOnlyList<Instruction> insns, IReadOnlySet<int> poison, IReadOnlySet<int> hostOnly, ConstantMemory memory)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Add(h, insns.Count);
        var code = System.Buffers.ArrayPool<byte>.Shared.Rent(insns.Count * 10);
        try
        {
            for (var i = 0; i < insns.Count; i++)
            {
                var insn = Normalized(insns, i);
                var slot = code.AsSpan(i * 10, 10);
                slot[0] = insn.OpCode; slot[1] = insn.Dst; slot[2] = insn.Src; slot[3] = 0;
                BitConverter.TryWriteBytes(slot[4..], insn.Imm);
                BitConverter.TryWriteBytes(slot[8..], insn.Offset);
            }
            h.AppendData(code, 0, insns.Count * 10);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(code);
        }
        AddSet(h, poison);
        AddSet(h, hostOnly);
        memory.AddTo(h);
        return Convert.ToHexString(h.GetHashAndReset());
    }

    /// <summary>The instruction as the walker sees it: fields it never reads are zeroed so kernels that differ only there share a walk.</summary>
    private static Instruction Normalized(IReadOnlyList<Instruction> insns, int i)
    {
        var insn = insns[i];
        // Helper and kfunc calls: the walker clobbers r0-r5 whatever the id (missing helpers are in the poison set).
        if (insn.IsCall && !insn.IsPseudoCall) return insn with { Imm = 0, Offset = 0 };
        // ld_imm64 of a BTF id / map fd / map index (src not 0 = constant, not 4 = sub-program): a non-NULL pointer whatever
        // the id (loads into global data are decided by the constant memory's pointers, hashed with it).
        if (insn.IsLdImm64 && insn.Src is not 0 and not 4) return insn with { Imm = 0 };
        if (i > 0 && insns[i - 1].IsLdImm64 && insns[i - 1].Src is not 0 and not 4 && insn.OpCode == 0) return insn with { Imm = 0 };
        return insn;
    }

    private static void AddSet(IncrementalHash h, IReadOnlySet<int> set)
    {
        Add(h, set.Count);
        foreach (var v in set.Order()) Add(h, v);
    }

    internal static void Add(IncrementalHash h, long v)
    {
        Span<byte> b = stackalloc byte[8];
        BitConverter.TryWriteBytes(b, v);
        h.AppendData(b);
    }
}
