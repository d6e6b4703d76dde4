using System.Collections.Immutable;
using CompatService.Engine.Asm;

namespace CompatService.Engine.Analysis;

/// <summary>Which instructions the verifier's path walk visits, and which poisoned calls it would reach.</summary>
public sealed record ReachabilityResult(bool[] Visited, IReadOnlyList<int> ReachedPoisonCalls, bool Widened)
{
    public bool IsVisited(int insn) => insn >= 0 && insn < Visited.Length && Visited[insn];
}

/// <summary>
/// Decides statically which instructions the verifier will visit once fixups are applied. It walks paths like the
/// verifier (path-sensitive, sub-program calls entered with their own frame) over an abstract domain that knows
/// constants, non-NULL pointers and stack pointers, so the known-zero value of an unresolved weak ld_imm64 flows through
/// moves, ALU, stack spills / fills and conditional jumps. States per instruction are kept distinct up to a bound, then
/// joined (a sound over-approximation: it can only add visited instructions, never remove any).
/// Instructions never visited are dead code the verifier removes, so poisoned calls there do no harm.
/// </summary>
public static class ReachabilityAnalyzer
{
    private const int MaxStatesPerInsn = 24;
    private const int MaxCallDepth = 8;

    /// <param name="insns">The program after fixups.</param>
    /// <param name="poisonCalls">Indices of poisoned calls (a path that reaches one is rejected; the walk stops there).</param>
    /// <param name="unknownLdImm64">ld_imm64 indices whose value is only known on the host (typeless ksyms): not a constant.</param>
    /// <param name="budget">Charged one step per (instruction, state) the walk visits; <paramref name="what"/> names the walk in its error.</param>
    public static ReachabilityResult Analyze(IReadOnlyList<Instruction> insns, IReadOnlySet<int> poisonCalls, IReadOnlySet<int>? unknownLdImm64 = null,
        Binary.AnalysisBudget? budget = null, string what = "reachability walk")
    {
        var walker = new Walker(insns, poisonCalls, unknownLdImm64 ?? new HashSet<int>());
        walker.Run(budget, what);
        return new ReachabilityResult(walker.Visited, walker.ReachedPoison.Order().ToArray(), walker.Widened);
    }

    /// <summary>The constant folding of one ALU op (exposed for tests): whether the result is a constant, and its value.</summary>
    internal static (bool IsConst, long Value) FoldForTests(int op, long a, long b, bool is64, bool signed)
    {
        var v = Walker.Fold(op, a, b, is64, signed);
        return (v.IsConst, v.Value);
    }

    private sealed class Walker(IReadOnlyList<Instruction> insns, IReadOnlySet<int> poison, IReadOnlySet<int> unknownLd)
    {
        public readonly bool[] Visited = new bool[insns.Count];
        public readonly SortedSet<int> ReachedPoison = new();
        public bool Widened;
        private readonly List<AbstractState>?[] _seen = new List<AbstractState>?[insns.Count];
        private readonly bool[] _widenedAt = new bool[insns.Count];
        private readonly Stack<(int Pc, AbstractState State)> _work = new();

        public void Run(Binary.AnalysisBudget? budget, string what)
        {
            if (insns.Count == 0) return;
            Push(0, AbstractState.Entry());
            // Callbacks (ld_imm64 of a sub-program, e.g. for bpf_loop / timers) are verified as their own entry points.
            for (var i = 0; i < insns.Count; i++)
                if (insns[i].IsLdImm64 && insns[i].Src == 4 && Target(i, insns[i]) is var t && t >= 0 && t < insns.Count)
                    Push(t, AbstractState.Entry());
            while (_work.Count > 0)
            {
                if (budget is not null && !budget.TryCharge(1)) throw budget.Exceeded(what);
                var (pc, state) = _work.Pop();
                Step(pc, state);
            }
        }

        private static int Target(int pc, Instruction insn) => pc + 1 + insn.Imm;

        private void Push(int pc, AbstractState state)
        {
            if (pc < 0 || pc >= insns.Count) return;
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
            Visited[pc] = true;
            var insn = insns[pc];
            if (insn.IsLdImm64 && pc + 1 < insns.Count) Visited[pc + 1] = true;
            // r11–r15 do not exist: the verifier rejects the instruction ("R11 is invalid"), so no path goes on from here.
            if (insn.Dst > 10 || (insn.Src > 10 && !insn.IsCall && !insn.IsLdImm64)) return;

            if (insn.IsCall)
            {
                if (poison.Contains(pc)) { ReachedPoison.Add(pc); return; }
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
                    Push(pc + 1, s.WithReg(insn.Dst & 0xf, Alu(insn, s)));
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
            Push(target, new AbstractState(regs.MoveToImmutable(), s.Stack, s.Frames.Push(new CallFrame(pc + 1, saved)), s.Depth + 1));
        }

        private void ExitFrame(AbstractState s)
        {
            if (s.Frames.IsEmpty) return; // program exit: this path is done
            var frame = s.Frames.Peek();
            var regs = s.Regs.ToBuilder();
            for (var r = 1; r <= 5; r++) regs[r] = AbstractValue.Unknown;
            for (var r = 6; r <= 10; r++) regs[r] = frame.Saved[r - 6];
            var stack = s.Stack.RemoveRange(s.Stack.Keys.Where(k => k.Frame >= s.Depth).ToArray());
            Push(frame.ReturnInsn, new AbstractState(regs.MoveToImmutable(), stack, s.Frames.Pop(), s.Depth - 1));
        }

        private void Branch(int pc, Instruction insn, AbstractState s)
        {
            var target = insn.JumpTarget(pc);
            if (insn.IsUnconditionalJump) { Push(target, s); return; }
            var is32 = insn.Class == 0x06;
            var op = insn.OpCode & 0xf0;
            var left = s.Regs[insn.Dst & 0xf];
            var right = (insn.OpCode & 0x08) != 0 ? s.Regs[insn.Src & 0xf] : AbstractValue.Const(insn.Imm);
            var outcome = Compare(op, left, right, is32);
            if (outcome != false) Push(target, Refine(s, insn, op, taken: true, is32));
            if (outcome != true) Push(pc + 1, Refine(s, insn, op, taken: false, is32));
        }

        /// <summary>On `if rX == K` the taken branch knows rX == K (and `!=` the fall-through).</summary>
        private static AbstractState Refine(AbstractState s, Instruction insn, int op, bool taken, bool is32)
        {
            if (is32 || (insn.OpCode & 0x08) != 0) return s;
            var reg = insn.Dst & 0xf;
            if (s.Regs[reg].Kind != ValueKind.Unknown) return s;
            if ((op == 0x10 && taken) || (op == 0x50 && !taken)) return s.WithReg(reg, AbstractValue.Const(insn.Imm));
            if (((op == 0x50 && taken) || (op == 0x10 && !taken)) && insn.Imm == 0) return s.WithReg(reg, AbstractValue.NonNull);
            return s;
        }

        /// <summary>true / false when the comparison is decided, null when both branches are possible.</summary>
        private static bool? Compare(int op, AbstractValue l, AbstractValue r, bool is32)
        {
            if (l.IsConst && r.IsConst)
            {
                ulong a = (ulong)l.Value, b = (ulong)r.Value;
                long sa = l.Value, sb = r.Value;
                if (is32) { a = (uint)a; b = (uint)b; sa = (int)sa; sb = (int)sb; }
                return op switch
                {
                    0x10 => a == b, 0x50 => a != b, 0x20 => a > b, 0x30 => a >= b, 0xa0 => a < b, 0xb0 => a <= b,
                    0x40 => (a & b) != 0, 0x60 => sa > sb, 0x70 => sa >= sb, 0xc0 => sa < sb, 0xd0 => sa <= sb,
                    _ => null,
                };
            }
            if (is32) return null; // the low 32 bits of a non-NULL pointer may be zero
            // a non-zero value compared with zero
            if (l.IsDefinitelyNonZero && r is { IsConst: true, Value: 0 })
                return op switch { 0x10 => false, 0x50 => true, 0x20 => true, 0x30 => true, 0xa0 => false, 0xb0 => false, _ => null };
            if (r.IsDefinitelyNonZero && l is { IsConst: true, Value: 0 })
                return op switch { 0x10 => false, 0x50 => true, 0x20 => false, 0x30 => false, 0xa0 => true, 0xb0 => true, _ => null };
            return null;
        }

        private static AbstractValue Alu(Instruction insn, AbstractState s)
        {
            var is64 = insn.Class == 0x07;
            var op = insn.OpCode & 0xf0;
            var useReg = (insn.OpCode & 0x08) != 0;
            var dst = s.Regs[insn.Dst & 0xf];
            var src = useReg ? s.Regs[insn.Src & 0xf] : AbstractValue.Const(is64 ? insn.Imm : (uint)insn.Imm);
            if (op == 0xb0) // MOV / MOVSX
            {
                if (insn.Offset != 0) // movsx: sign-extend from 8/16/32 bits
                    return src.IsConst ? Truncate(insn.Offset switch { 8 => (sbyte)src.Value, 16 => (short)src.Value, _ => (int)src.Value }, is64) : AbstractValue.Unknown;
                if (is64) return src;
                return src.IsConst ? Truncate(src.Value, false) : AbstractValue.Unknown;
            }
            if (op == 0xd0) return AbstractValue.Unknown; // END / BSWAP
            if (op == 0x80) return dst.IsConst ? Truncate(-dst.Value, is64) : AbstractValue.Unknown; // NEG
            if (dst.Kind == ValueKind.StackPtr && is64 && src.IsConst && (op == 0x00 || op == 0x10))
                return AbstractValue.Stack(dst.Frame, op == 0x00 ? dst.Value + src.Value : dst.Value - src.Value);
            // Constants first, like the verifier's scalar tracking: `r2 = 1; r2 |= r3 (1); r2 &= 1` stays the constant 1.
            if (dst.IsConst && src.IsConst) return Fold(op, dst.Value, src.Value, is64, signed: insn.Offset == 1);
            if (op == 0x40 && (dst.IsDefinitelyNonZero || src.IsDefinitelyNonZero) && is64) return AbstractValue.NonNull; // OR
            if (op is 0x50 or 0x20 && (dst is { IsConst: true, Value: 0 } || src is { IsConst: true, Value: 0 })) return AbstractValue.Const(0); // AND / MUL by 0
            return AbstractValue.Unknown;
        }

        /// <summary>
        /// One ALU op on two constants with the verifier's semantics: 32-bit ops work on the low halves and zero-extend the
        /// result; division by zero gives 0 and modulo by zero leaves the dividend; shift counts are masked to the width.
        /// </summary>
        internal static AbstractValue Fold(int op, long x, long y, bool is64, bool signed)
        {
            long a = is64 ? x : (uint)x, b = is64 ? y : (uint)y;
            long? r = op switch
            {
                0x00 => a + b,
                0x10 => a - b,
                0x20 => a * b,
                0x30 => b == 0 ? 0 : signed ? SignedDiv(a, b, is64) : (long)(is64 ? (ulong)a / (ulong)b : (uint)a / (uint)b),
                0x40 => a | b,
                0x50 => a & b,
                0x60 => is64 ? a << (int)(b & 63) : (uint)a << (int)(b & 31),
                0x70 => is64 ? (long)((ulong)a >> (int)(b & 63)) : (uint)a >> (int)(b & 31),
                0x90 => b == 0 ? a : signed ? SignedMod(a, b, is64) : (long)(is64 ? (ulong)a % (ulong)b : (uint)a % (uint)b),
                0xa0 => a ^ b,
                0xc0 => is64 ? a >> (int)(b & 63) : (int)a >> (int)(b & 31),
                _ => null,
            };
            return r is { } v ? Truncate(v, is64) : AbstractValue.Unknown;
        }

        private static long SignedDiv(long a, long b, bool is64) =>
            is64 ? (b == -1 ? unchecked(-a) : a / b) : (int)b == -1 ? unchecked(-(int)a) : (int)a / (int)b;

        private static long SignedMod(long a, long b, bool is64) =>
            is64 ? (b == -1 ? 0 : a % b) : (int)b == -1 ? 0 : (int)a % (int)b;

        private static AbstractValue Truncate(long v, bool is64) => AbstractValue.Const(is64 ? v : (uint)v);

        private static int SizeOf(Instruction insn) => (insn.OpCode & 0x18) switch { 0x00 => 4, 0x08 => 2, 0x10 => 1, _ => 8 };

        private static AbstractValue Load(Instruction insn, AbstractState s)
        {
            var basePtr = s.Regs[insn.Src & 0xf];
            var mode = insn.OpCode & 0xe0;
            var size = SizeOf(insn);
            if (basePtr.Kind != ValueKind.StackPtr || mode != 0x60) return AbstractValue.Unknown;
            if (!s.Stack.TryGetValue((basePtr.Frame, basePtr.Value + insn.Offset, size), out var v)) return AbstractValue.Unknown;
            return size == 8 ? v : v.IsConst ? AbstractValue.Const(ZeroExtend(v.Value, size)) : AbstractValue.Unknown;
        }

        private static long ZeroExtend(long v, int size) => size switch { 1 => (byte)v, 2 => (ushort)v, 4 => (uint)v, _ => v };

        private static AbstractState Store(Instruction insn, AbstractState s, AbstractValue value)
        {
            var basePtr = s.Regs[insn.Dst & 0xf];
            if (basePtr.Kind != ValueKind.StackPtr) return s; // a store elsewhere does not touch tracked stack slots
            var addr = basePtr.Value + insn.Offset;
            var size = SizeOf(insn);
            var stack = s.Stack;
            foreach (var key in stack.Keys.Where(k => k.Frame == basePtr.Frame && k.Offset < addr + size && addr < k.Offset + k.Size).ToArray())
                stack = stack.Remove(key);
            var isPlain = (insn.OpCode & 0xe0) == 0x60;
            // Whole registers spill at 8 bytes; narrower spills keep constants (the verifier tracks < 8-byte scalar spills).
            if (isPlain && value.Kind != ValueKind.Unknown && (size == 8 || value.IsConst))
                stack = stack.SetItem((basePtr.Frame, addr, size), size == 8 ? value : AbstractValue.Const(ZeroExtend(value.Value, size)));
            return s.WithStack(stack);
        }
    }
}
