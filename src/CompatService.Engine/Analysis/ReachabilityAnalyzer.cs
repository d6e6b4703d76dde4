using CompatService.Engine.Asm;

namespace CompatService.Engine.Analysis;

/// <summary>Which instructions the verifier's path walk visits, and which poisoned calls it would reach.</summary>
public sealed record ReachabilityResult(bool[] Visited, IReadOnlyList<int> ReachedPoisonCalls, bool Widened)
{
    public bool IsVisited(int insn) => insn >= 0 && insn < Visited.Length && Visited[insn];

    /// <summary>Whether a constant read from `.rodata` as shipped fed the walk (then a counterfactual walk tells whether it mattered).</summary>
    public bool ReadShippedData { get; init; }

    /// <summary>The `.rodata` locations (section, offset) whose shipped values the walk read.</summary>
    public IReadOnlyList<(string Section, long Offset)> ShippedReads { get; init; } = [];

    /// <summary>
    /// When a branch depended on a value the kernel's facts do not decide (a `.kconfig` value without config / release):
    /// what the walk visits and reaches if those branches go either way. This result itself counts only what is visited
    /// whatever those values are.
    /// </summary>
    public ReachabilityResult? Possible { get; init; }

    /// <summary>`.kconfig` offsets of the undecided values the walk read.</summary>
    public IReadOnlyList<long> UndecidedReads { get; init; } = [];
}

/// <summary>
/// Decides statically which instructions the verifier will visit once fixups are applied. It walks paths like the
/// verifier (path-sensitive, sub-program calls entered with their own frame) over an abstract domain that knows
/// constants, non-NULL pointers, stack pointers and pointers into global-data map values, so the known-zero value of an
/// unresolved weak ld_imm64, a CO-RE-relocated constant, a `.kconfig` value or a `.rodata` value as shipped flows
/// through moves, ALU, stack spills / fills and conditional jumps (<see cref="ConstantMemory"/> says which loads the
/// verifier reads as constants). States per instruction are kept distinct up to a bound, then joined (a sound
/// over-approximation: it can only add visited instructions, never remove any).
/// Instructions never visited are dead code the verifier removes, so poisoned calls there do no harm.
/// </summary>
public static class ReachabilityAnalyzer
{
    /// <param name="insns">The program after fixups.</param>
    /// <param name="poisonCalls">Indices of poisoned calls (a path that reaches one is rejected; the walk stops there).</param>
    /// <param name="unknownLdImm64">ld_imm64 indices whose value is only known on the host (typeless ksyms): not a constant.</param>
    /// <param name="memory">The global-data map values the program points into (none: every load from memory is unknown).</param>
    /// <param name="budget">Charged one step per (instruction, state) the walk visits; <paramref name="what"/> names the walk in its error.</param>
    public static ReachabilityResult Analyze(IReadOnlyList<Instruction> insns, IReadOnlySet<int> poisonCalls,
        IReadOnlySet<int>? unknownLdImm64 = null, ConstantMemory? memory = null, Binary.AnalysisBudget? budget = null, string what = "reachability walk")
    {
        var walker = new ReachabilityWalker(insns, poisonCalls, unknownLdImm64 ?? new HashSet<int>(), memory ?? ConstantMemory.Empty);
        walker.Run(budget, what);
        var possible = new ReachabilityResult(walker.PossiblyVisited, walker.PossiblyReachedPoison.Order().ToArray(), walker.Widened);
        // A widened (joined) state may carry the speculative mark onto paths that were not speculative: then nothing is
        // set apart, every possible path counts (over-approximating, as joins do).
        var split = walker.Speculated && !walker.Widened;
        var main = split ? new ReachabilityResult(walker.Visited, walker.ReachedPoison.Order().ToArray(), walker.Widened) : possible;
        return main with
        {
            ReadShippedData = walker.ShippedReads.Count > 0,
            ShippedReads = walker.ShippedReads.Order().ToArray(),
            Possible = split ? possible : null,
            UndecidedReads = walker.UndecidedReads.ToArray(),
        };
    }

    /// <summary>The constant folding of one ALU op (exposed for tests): whether the result is a constant, and its value.</summary>
    internal static (bool IsConst, long Value) FoldForTests(int op, long a, long b, bool is64, bool signed)
    {
        var v = AbstractOps.Fold(op, a, b, is64, signed);
        return (v.IsConst, v.Value);
    }
}
