using System.Collections.Immutable;

namespace CompatService.Engine.Analysis;

/// <summary>A saved caller frame: where to return and the caller's callee-saved registers r6–r9 and frame pointer.</summary>
internal sealed record CallFrame(int ReturnInsn, ImmutableArray<AbstractValue> Saved);

/// <summary>Registers r0–r10 of the current frame, stack slots keyed (frame, offset, size) — spills of 1–8 bytes, as the verifier tracks them — and the call stack.</summary>
internal sealed class AbstractState : IEquatable<AbstractState>
{
    public const int RegisterCount = 11;

    public AbstractState(ImmutableArray<AbstractValue> regs, ImmutableDictionary<(int Frame, long Offset, int Size), AbstractValue> stack, ImmutableStack<CallFrame> frames, int depth,
        bool speculative = false)
    {
        Regs = regs; Stack = stack; Frames = frames; Depth = depth; Speculative = speculative;
    }

    public ImmutableArray<AbstractValue> Regs { get; }
    public ImmutableDictionary<(int Frame, long Offset, int Size), AbstractValue> Stack { get; }
    public ImmutableStack<CallFrame> Frames { get; }
    public int Depth { get; }
    /// <summary>The path got here through a branch an undecided value (a kernel input the engine lacks) left open.</summary>
    public bool Speculative { get; }

    /// <summary>The state at a program's (or callback's) entry; immutable, so one instance serves every walk.</summary>
    public static AbstractState Entry() => EntryState;

    private static readonly AbstractState EntryState = NewEntry();

    private static AbstractState NewEntry()
    {
        var regs = ImmutableArray.CreateBuilder<AbstractValue>(RegisterCount);
        for (var r = 0; r < RegisterCount; r++) regs.Add(AbstractValue.Unknown);
        regs[1] = AbstractValue.NonNull;      // r1 = context pointer
        regs[10] = AbstractValue.Stack(0, 0); // frame pointer
        return new AbstractState(regs.MoveToImmutable(), ImmutableDictionary<(int, long, int), AbstractValue>.Empty, ImmutableStack<CallFrame>.Empty, 0);
    }

    public AbstractState WithReg(int reg, AbstractValue v) => new(Regs.SetItem(reg, v), Stack, Frames, Depth, Speculative);
    public AbstractState With(ImmutableArray<AbstractValue> regs) => new(regs, Stack, Frames, Depth, Speculative);
    public AbstractState WithStack(ImmutableDictionary<(int, long, int), AbstractValue> stack) => new(Regs, stack, Frames, Depth, Speculative);
    public AbstractState AsSpeculative() => Speculative ? this : new(Regs, Stack, Frames, Depth, true);

    /// <summary>Joins two states at the same instruction (same call stack assumed; differing stacks are dropped).</summary>
    public static AbstractState Join(AbstractState a, AbstractState b)
    {
        var regs = new AbstractValue[RegisterCount];
        for (var i = 0; i < RegisterCount; i++) regs[i] = AbstractValue.Join(a.Regs[i], b.Regs[i]);
        var stack = ImmutableDictionary.CreateBuilder<(int, long, int), AbstractValue>();
        foreach (var (k, v) in a.Stack)
            if (b.Stack.TryGetValue(k, out var w))
            {
                var j = AbstractValue.Join(v, w);
                if (j.Kind != ValueKind.Unknown) stack[k] = j;
            }
        return new AbstractState(regs.ToImmutableArray(), stack.ToImmutable(), a.Frames, a.Depth, a.Speculative || b.Speculative);
    }

    public bool Equals(AbstractState? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (Depth != other.Depth || Speculative != other.Speculative || !Regs.SequenceEqual(other.Regs) || Stack.Count != other.Stack.Count) return false;
        foreach (var (k, v) in Stack)
            if (!other.Stack.TryGetValue(k, out var w) || w != v) return false;
        return Frames.SequenceEqual(other.Frames, CallFrameComparer.Instance);
    }

    public override bool Equals(object? obj) => Equals(obj as AbstractState);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Depth);
        h.Add(Speculative);
        foreach (var r in Regs) h.Add(r);
        h.Add(Stack.Count);
        foreach (var f in Frames) h.Add(f.ReturnInsn);
        return h.ToHashCode();
    }

    private sealed class CallFrameComparer : IEqualityComparer<CallFrame>
    {
        public static readonly CallFrameComparer Instance = new();
        public bool Equals(CallFrame? x, CallFrame? y) => x is not null && y is not null && x.ReturnInsn == y.ReturnInsn && x.Saved.SequenceEqual(y.Saved);
        public int GetHashCode(CallFrame obj) => obj.ReturnInsn;
    }
}
