namespace CompatService.Engine.Analysis;

internal enum ValueKind : byte { Unknown, Const, NonNull, StackPtr, MapPtr, Undecided }

/// <summary>
/// What the reachability walk knows about a register or stack slot: an exact 64-bit constant, "not zero" (pointers the
/// verifier knows are non-NULL, e.g. an ld_imm64 of a present kfunc), a pointer into a stack frame, a pointer into a
/// global-data map value (<see cref="Frame"/> = its region in <see cref="ConstantMemory"/>, <see cref="Value"/> = the
/// offset), nothing — or "undecided": unknown because an input of the kernel is missing (a `.kconfig` value without the
/// kernel's config or release), a taint that makes the branches it decides speculative.
/// </summary>
internal readonly record struct AbstractValue(ValueKind Kind, long Value, int Frame)
{
    public static readonly AbstractValue Unknown = new(ValueKind.Unknown, 0, 0);
    public static readonly AbstractValue NonNull = new(ValueKind.NonNull, 0, 0);
    public static readonly AbstractValue Undecided = new(ValueKind.Undecided, 0, 0);
    public static AbstractValue Const(long v) => new(ValueKind.Const, v, 0);
    public static AbstractValue Stack(int frame, long offset) => new(ValueKind.StackPtr, offset, frame);
    public static AbstractValue MapValue(int region, long offset) => new(ValueKind.MapPtr, offset, region);

    public bool IsConst => Kind == ValueKind.Const;
    public bool IsUndecided => Kind == ValueKind.Undecided;

    /// <summary>Least upper bound: equal values stay, anything else becomes unknown (non-null if both are non-zero; undecided if either is).</summary>
    public static AbstractValue Join(AbstractValue a, AbstractValue b)
    {
        if (a == b) return a;
        if (a.IsUndecided || b.IsUndecided) return Undecided;
        if (a.IsDefinitelyNonZero && b.IsDefinitelyNonZero) return NonNull;
        return Unknown;
    }

    public bool IsDefinitelyNonZero => Kind is ValueKind.NonNull or ValueKind.StackPtr or ValueKind.MapPtr || (Kind == ValueKind.Const && Value != 0);
}
