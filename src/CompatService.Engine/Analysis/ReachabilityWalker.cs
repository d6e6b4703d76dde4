using System.Collections.Immutable;
using CompatService.Engine.Asm;

namespace CompatService.Engine.Analysis;

/// <summary>The path walk of <see cref="ReachabilityAnalyzer"/> over one relocated program.</summary>
internal sealed class ReachabilityWalker(IReadOnlyList<Instruction> insns, IReadOnlySet<int> poison, IReadOnlySet<int> unknownLd, ConstantMemory memory)
{
private const int MaxStatesPerInsn = 24;
private const int MaxCallDepth = 8;

    public readonly bool[] Visited = new bool[insns.Count];
    public readonly SortedSet<int> ReachedPoison = new();
    /// <summary>Also visited / reached on speculative paths (through branches undecided values left open).</summary>
    public readonly bool[] PossiblyVisited = new bool[insns.Count];
    public readonly SortedSet<int> PossiblyReachedPoison = new();
    /// <summary>Offsets of undecided `.kconfig` values the walk branched on.</summary>
    public readonly SortedSet<long> UndecidedReads = new();
    public bool Speculated;
    public readonly HashSet<(string Section, long Offset)> ShippedReads = new();
    public bool Widened;
    private readonly List<AbstractState>?[] _seen = new List<AbstractState>?[insns.Count];
    private readonly bool[] _widenedAt = new bool[insns.Count];
    private readonly Stack<(int Pc, AbstractState State)> _work = new();
    /// <summary>
    /// Per instruction: the one instruction it was reached from so far (<see cref="NotReached"/>, or <see cref="Joined"/>
    /// once reached from two places or as an entry). States are remembered (deduplicated, widened) only at such join
    /// points: an instruction reached from one place sees exactly the states its predecessor passed on, so remembering
    /// them there too would only hold every state of straight-line code alive (a million for a million instructions).
    /// Every cycle of the walk has a join point (its entry is reached from outside and from inside), so it terminates.
    /// </summary>
    private readonly int[] _from = NewFrom(insns.Count);
    private int _current = EntryPoint;
    private const int NotReached = -3, Joined = -2, EntryPoint = -1;

    private static int[] NewFrom(int n)
    {
        var a = new int[n];
        Array.Fill(a, NotReached);
        return a;
    }

    /// <summary>Walks every path; each (instruction, state) visited is one step of <paramref name="budget"/> (<paramref name="what"/> names the walk).</summary>
    public void Run(Binary.AnalysisBudget? budget = null, string what = "reachability walk")
    {
        if (insns.Count == 0) return;
        _current = EntryPoint;
        Push(0, AbstractState.Entry());
        // Callbacks (ld_imm64 of a sub-program, e.g. for bpf_loop / timers) are verified as their own entry points.
        for (var i = 0; i < insns.Count; i++)
            if (insns[i].IsLdImm64 && insns[i].Src == 4 && Target(i, insns[i]) is var t && t >= 0 && t < insns.Count)
                Push(t, AbstractState.Entry());
        while (_work.Count > 0)
        {
            if (budget is not null && !budget.TryCharge(1)) throw budget.Exceeded(what);
            var (pc, state) = _work.Pop();
            _current = pc;
            Step(pc, state);
        }
    }

    private static int Target(int pc, Instruction insn) => pc + 1 + insn.Imm;

    private void Push(int pc, AbstractState state)
    {
        if (pc < 0 || pc >= insns.Count) return;
        var from = _from[pc];
        if (from != Joined)
        {
            if (from == NotReached && _current != EntryPoint)
            {
                _from[pc] = _current;
                _work.Push((pc, state));
                return;
            }
            if (from == _current) { _work.Push((pc, state)); return; }
            _from[pc] = Joined; // a second predecessor (or an entry): remember states here from now on
        }
        var seen = _seen[pc] ??= new List<AbstractState>();
        if (_widenedAt[pc])
        {
            var joined = AbstractState.Join(seen[0], state);
            if (joined.Equals(seen[0])) return;
            seen[0] = joined;
            _work.Push((pc, joined));
            return;
        }
        foreach (var s in seen) if (s.Equals(state)) return;
        if (seen.Count >= MaxStatesPerInsn)
        {
            // Too many distinct paths here: keep one joined state from now on (monotone, so the walk terminates).
            var joined = seen.Aggregate(state, AbstractState.Join);
            seen.Clear();
            seen.Add(joined);
            _widenedAt[pc] = true;
            Widened = true;
            _work.Push((pc, joined));
            return;
        }
        seen.Add(state);
        _work.Push((pc, state));
    }

    private void Step(int pc, AbstractState s)
    {
        var insn = insns[pc];
        var seen = s.Speculative ? PossiblyVisited : Visited;
        seen[pc] = PossiblyVisited[pc] = true;
        if (insn.IsLdImm64 && pc + 1 < insns.Count) seen[pc + 1] = PossiblyVisited[pc + 1] = true;
        // r11–r15 do not exist: the verifier rejects the instruction ("R11 is invalid"), so no path goes on from here.
        if (insn.Dst > 10 || (insn.Src > 10 && !insn.IsCall && !insn.IsLdImm64)) return;

        if (insn.IsCall)
        {
            if (poison.Contains(pc)) { (s.Speculative ? PossiblyReachedPoison : ReachedPoison).Add(pc); PossiblyReachedPoison.Add(pc); return; }
            if (insn.IsPseudoCall) { EnterCall(pc, insn, s); return; }
            var regs = s.Regs.ToBuilder();
            for (var r = 0; r <= 5; r++) regs[r] = AbstractValue.Unknown;
            Push(pc + 1, s.With(regs.MoveToImmutable()));
            return;
        }
        if (insn.IsExit) { ExitFrame(s); return; }
        if (insn.IsJump)
        {
            Branch(pc, insn, s);
            return;
        }
        switch (insn.Class)
        {
            case 0x04: // ALU
            case 0x07: // ALU64
                Push(pc + 1, s.WithReg(insn.Dst & 0xf, AbstractOps.Alu(insn, s)));
                return;
            case 0x00: // LD
                if (insn.IsLdImm64)
                {
                    Push(pc + 2, s.WithReg(insn.Dst & 0xf, LdImm64(pc, insn)));
                    return;
                }
                // LD_ABS / LD_IND clobber r0 (and r1-r5 on older kernels): unknown.
                var ld = s.Regs.ToBuilder();
                for (var r = 0; r <= 5; r++) ld[r] = AbstractValue.Unknown;
                Push(pc + 1, s.With(ld.MoveToImmutable()));
                return;
            case 0x01: // LDX
                Push(pc + 1, s.WithReg(insn.Dst & 0xf, Load(insn, s)));
                return;
            case 0x02: // ST
                Push(pc + 1, Store(insn, s, AbstractValue.Const(insn.Imm)));
                return;
            case 0x03: // STX (plain or atomic)
                if ((insn.OpCode & 0xe0) == 0xc0)
                {
                    var after = Store(insn, s, AbstractValue.Unknown);
                    if ((insn.Imm & 0x01) != 0) after = after.WithReg(insn.Src & 0xf, AbstractValue.Unknown); // BPF_FETCH
                    if (insn.Imm == 0xf1) after = after.WithReg(0, AbstractValue.Unknown);                   // CMPXCHG
                    Push(pc + 1, after);
                    return;
                }
                Push(pc + 1, Store(insn, s, s.Regs[insn.Src & 0xf]));
                return;
            default:
                Push(pc + 1, s);
                return;
        }
    }

    private AbstractValue LdImm64(int pc, Instruction insn)
    {
        if (memory.TryPointer(pc, out var pointer)) return pointer; // into a global-data map value (libbpf: PSEUDO_MAP_VALUE)
        if (insn.Src == 0)
        {
            if (unknownLd.Contains(pc)) return AbstractValue.Unknown;
            var hi = pc + 1 < insns.Count ? insns[pc + 1].Imm : 0;
            return AbstractValue.Const((long)(((ulong)(uint)hi << 32) | (uint)insn.Imm));
        }
        // map fd / map value / BTF id (present kfunc or typed ksym) / function / map idx: non-NULL pointers.
        return AbstractValue.NonNull;
    }

    private void EnterCall(int pc, Instruction insn, AbstractState s)
    {
        var target = pc + 1 + insn.Imm;
        if (s.Depth + 1 >= MaxCallDepth || target < 0 || target >= insns.Count) return;
        var saved = ImmutableArray.Create(s.Regs[6], s.Regs[7], s.Regs[8], s.Regs[9], s.Regs[10]);
        var regs = s.Regs.ToBuilder();
        regs[0] = AbstractValue.Unknown;
        for (var r = 6; r <= 9; r++) regs[r] = AbstractValue.Unknown;
        regs[10] = AbstractValue.Stack(s.Depth + 1, 0);
        Push(target, new AbstractState(regs.MoveToImmutable(), s.Stack, s.Frames.Push(new CallFrame(pc + 1, saved)), s.Depth + 1, s.Speculative));
    }

    private void ExitFrame(AbstractState s)
    {
        if (s.Frames.IsEmpty) return; // program exit: this path is done
        var frame = s.Frames.Peek();
        var regs = s.Regs.ToBuilder();
        for (var r = 1; r <= 5; r++) regs[r] = AbstractValue.Unknown;
        for (var r = 6; r <= 10; r++) regs[r] = frame.Saved[r - 6];
        var stack = s.Stack.RemoveRange(s.Stack.Keys.Where(k => k.Frame >= s.Depth).ToArray());
        Push(frame.ReturnInsn, new AbstractState(regs.MoveToImmutable(), stack, s.Frames.Pop(), s.Depth - 1, s.Speculative));
    }

    private void Branch(int pc, Instruction insn, AbstractState s)
    {
        var target = insn.JumpTarget(pc);
        if (insn.IsUnconditionalJump) { Push(target, s); return; }
        var is32 = insn.Class == 0x06;
        var op = insn.OpCode & 0xf0;
        var left = s.Regs[insn.Dst & 0xf];
        var right = (insn.OpCode & 0x08) != 0 ? s.Regs[insn.Src & 0xf] : AbstractValue.Const(insn.Imm);
        var outcome = AbstractOps.Compare(op, left, right, is32);
        if (outcome is null && (left.IsUndecided || right.IsUndecided))
        {
            // Which way the kernel goes depends on an input the engine lacks: both ways are only possibly taken.
            Speculated = true;
            s = s.AsSpeculative();
        }
        if (outcome != false) Push(target, AbstractOps.Refine(s, insn, op, taken: true, is32));
        if (outcome != true) Push(pc + 1, AbstractOps.Refine(s, insn, op, taken: false, is32));
    }

    private AbstractValue Load(Instruction insn, AbstractState s)
    {
        var basePtr = s.Regs[insn.Src & 0xf];
        var mode = insn.OpCode & 0xe0;
        var size = AbstractOps.SizeOf(insn);
        if (basePtr.Kind == ValueKind.MapPtr && mode is 0x60 or 0x80) // LDX / LDSX from a map value
        {
            var offset = basePtr.Value + insn.Offset;
            var read = memory.Read(basePtr.Frame, offset, size, signExtend: mode == 0x80, out var asShipped);
            if (asShipped) ShippedReads.Add((memory.RegionName(basePtr.Frame), offset));
            if (read.IsUndecided) UndecidedReads.Add(offset);
            return read;
        }
        if (basePtr.Kind != ValueKind.StackPtr || mode != 0x60) return AbstractValue.Unknown;
        if (!s.Stack.TryGetValue((basePtr.Frame, basePtr.Value + insn.Offset, size), out var v)) return AbstractValue.Unknown;
        return size == 8 || v.IsUndecided ? v : v.IsConst ? AbstractValue.Const(AbstractOps.ZeroExtend(v.Value, size)) : AbstractValue.Unknown;
    }

    private static AbstractState Store(Instruction insn, AbstractState s, AbstractValue value)
    {
        var basePtr = s.Regs[insn.Dst & 0xf];
        if (basePtr.Kind != ValueKind.StackPtr) return s; // a store elsewhere does not touch tracked stack slots
        var addr = basePtr.Value + insn.Offset;
        var size = AbstractOps.SizeOf(insn);
        var stack = s.Stack;
        foreach (var key in stack.Keys.Where(k => k.Frame == basePtr.Frame && k.Offset < addr + size && addr < k.Offset + k.Size).ToArray())
            stack = stack.Remove(key);
        var isPlain = (insn.OpCode & 0xe0) == 0x60;
        // Whole registers spill at 8 bytes; narrower spills keep constants (the verifier tracks < 8-byte scalar spills).
        if (isPlain && value.Kind != ValueKind.Unknown && (size == 8 || value.IsConst || value.IsUndecided))
            stack = stack.SetItem((basePtr.Frame, addr, size), size == 8 || value.IsUndecided ? value : AbstractValue.Const(AbstractOps.ZeroExtend(value.Value, size)));
        return s.WithStack(stack);
    }
}
