using System.Runtime.CompilerServices;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>
/// What the verifier checks on the call graph of a linked program before it walks any path, the same on every kernel
/// (check_cfg / check_max_stack_depth): no BPF-to-BPF recursion (a self call or a cycle such as A → B → A: "recursive call
/// from A() to B()", reported by older kernels as "back-edge from insn X to Y"), at most 8 frames of nested calls
/// (MAX_CALL_FRAMES: "the call stack of 8 frames is too deep !") and at most 256 functions (BPF_MAX_SUBPROGS: "too many
/// subprograms"). Calls are followed statically, reachable or not, like the verifier; iterative, with one visit per
/// function, since the number of sub-programs comes from the input.
/// </summary>
public sealed class CallGraphRule() : VerdictRule(
    RuleCode.AllFail("object", ReasonCodes.RecursiveCall, ReasonCodes.CallStackTooDeep, ReasonCodes.TooManySubprograms)), IProgramRule
{
    /// <summary>
    /// The call graph depends on the object alone, not on the kernel: computed once per object (for all its programs,
    /// on first use) and kept for the object's lifetime, however many kernels it is checked against.
    /// </summary>
    private static readonly ConditionalWeakTable<BpfObject, Dictionary<BpfProgram, Reason[]>> PerObject = new();

    public void Check(ProgramContext ctx, Findings findings)
    {
        var reasons = PerObject.GetValue(ctx.Obj.Object, ForObject);
        foreach (var r in reasons.TryGetValue(ctx.Program, out var found) ? found : ForProgram(ctx.Program)) findings.Add(r);
    }

    /// <summary>Every program's call-graph reasons, by program (reference identity).</summary>
    public static Dictionary<BpfProgram, Reason[]> ForObject(BpfObject obj) =>
        obj.Programs.Distinct().ToDictionary<BpfProgram, BpfProgram, Reason[]>(p => p, p => ForProgram(p).ToArray(), ReferenceEqualityComparer.Instance);

    /// <summary>MAX_CALL_FRAMES of the kernel.</summary>
    public const int MaxCallFrames = 8;
    /// <summary>BPF_MAX_SUBPROGS of the kernel (the program itself counts).</summary>
    public const int MaxSubprograms = 256;

    private readonly record struct Function(string Name, int Start, int End);
    private readonly record struct Call(int Insn, int Callee);

    public static IEnumerable<Reason> ForProgram(BpfProgram program)
    {
        var functions = Functions(program);
        if (functions.Count > MaxSubprograms)
            yield return new Reason(ReasonCodes.TooManySubprograms, null, null,
                $"program '{program.Name}': {functions.Count} functions (the program and its sub-programs), more than the verifier's {MaxSubprograms}: too many subprograms");
        var calls = Calls(program, functions);
        if (FindCycle(calls) is { } cycle)
        {
            var (caller, call) = cycle;
            var from = functions[caller];
            var to = functions[call.Callee];
            yield return new Reason(ReasonCodes.RecursiveCall, to.Name, call.Insn,
                $"program '{program.Name}': insn {call.Insn}: recursive call from {from.Name}() to {to.Name}(): the verifier refuses BPF-to-BPF recursion, bounded or not " +
                $"(depending on the kernel: 'back-edge from insn {call.Insn} to {to.Start}', 'the call stack of {MaxCallFrames} frames is too deep !' or 'recursive call from {from.Name}() to {to.Name}()')");
            yield break; // depth is unbounded along a cycle: one reason is enough
        }
        if (DeepestChain(calls) is { Frames: >= MaxCallFrames } deep)
            yield return new Reason(ReasonCodes.CallStackTooDeep, functions[deep.Last].Name, null,
                $"program '{program.Name}': a chain of {deep.Frames} nested BPF-to-BPF calls ends in {functions[deep.Last].Name}(): the call stack of {MaxCallFrames} frames is too deep !");
    }

    /// <summary>The entry program (index 0) and every appended sub-program, in layout order.</summary>
    private static List<Function> Functions(BpfProgram program)
    {
        var list = new List<Function> { new(program.Name, 0, program.OwnLength) };
        foreach (var s in program.Subprograms) list.Add(new(s.Name, s.StartInsn, s.StartInsn + s.Length));
        list.Sort((a, b) => a.Start.CompareTo(b.Start));
        return list;
    }

    private static int FunctionAt(List<Function> functions, int insn)
    {
        int lo = 0, hi = functions.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (functions[mid].Start <= insn) lo = mid + 1; else hi = mid - 1;
        }
        return hi >= 0 && insn < functions[hi].End ? hi : -1;
    }

    /// <summary>
    /// The BPF-to-BPF calls made by each function: the instructions the linker re-pointed at a sub-program (a kfunc call
    /// still carries clang's src_reg 1 and imm -1 before its fixup, so the opcode alone would be a false self call).
    /// </summary>
    private static List<Call>[] Calls(BpfProgram program, List<Function> functions)
    {
        var calls = new List<Call>[functions.Count];
        for (var f = 0; f < functions.Count; f++) calls[f] = new List<Call>();
        foreach (var r in program.References)
        {
            if (r.Kind != InsnReferenceKind.SubprogramCall || r.Insn < 0 || r.Insn >= program.Instructions.Count) continue;
            var insn = program.Instructions[r.Insn];
            var caller = FunctionAt(functions, r.Insn);
            var callee = FunctionAt(functions, (int)Math.Clamp((long)r.Insn + insn.Imm + 1, int.MinValue, int.MaxValue));
            if (caller >= 0 && callee >= 0) calls[caller].Add(new Call(r.Insn, callee));
        }
        return calls;
    }

    /// <summary>The first call (in depth-first order from the entry) that closes a cycle, with its caller; null when there is none.</summary>
    private static (int Caller, Call Call)? FindCycle(List<Call>[] calls)
    {
        var state = new byte[calls.Length]; // 0 new, 1 on the stack, 2 done
        var stack = new Stack<(int Function, int Next)>();
        stack.Push((0, 0));
        state[0] = 1;
        while (stack.Count > 0)
        {
            var (f, next) = stack.Pop();
            if (next >= calls[f].Count) { state[f] = 2; continue; }
            stack.Push((f, next + 1));
            var call = calls[f][next];
            if (state[call.Callee] == 1) return (f, call);
            if (state[call.Callee] == 0)
            {
                state[call.Callee] = 1;
                stack.Push((call.Callee, 0));
            }
        }
        return null;
    }

    /// <summary>The longest chain of nested calls from the entry (in frames, the entry's own not counted) and where it ends; the graph is acyclic here.</summary>
    private static (int Frames, int Last) DeepestChain(List<Call>[] calls)
    {
        // Post-order (iterative), then depth[f] = 1 + max depth of its callees.
        var depth = new int[calls.Length];
        var end = new int[calls.Length];
        var state = new byte[calls.Length];
        var stack = new Stack<(int Function, int Next)>();
        stack.Push((0, 0));
        state[0] = 1;
        while (stack.Count > 0)
        {
            var (f, next) = stack.Pop();
            if (next < calls[f].Count)
            {
                stack.Push((f, next + 1));
                var c = calls[f][next].Callee;
                if (state[c] == 0) { state[c] = 1; stack.Push((c, 0)); }
                continue;
            }
            end[f] = f;
            foreach (var call in calls[f])
                if (depth[call.Callee] + 1 > depth[f]) { depth[f] = depth[call.Callee] + 1; end[f] = end[call.Callee]; }
            state[f] = 2;
        }
        return (depth[0], end[0]);
    }
}
