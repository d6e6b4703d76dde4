using System.Diagnostics;

namespace CompatService.Engine.Binary;

/// <summary>
/// How much work one analysis may do, so that a hostile input stops early instead of holding a CPU and memory. The engine's
/// walks charge their steps here (one instruction decoded, linked, inspected or walked by the reachability analysis, one
/// BTF type parsed or validated, one CO-RE relocation); past <see cref="Limit"/> the walk stops with
/// <see cref="AnalysisBudgetExceededException"/> at the same step on every run (deterministic, unlike a clock). An optional
/// <see cref="Timeout"/> stops it by wall clock too, and <see cref="Cancellation"/> (a request aborted, a host stopping)
/// stops it with <see cref="OperationCanceledException"/>. One budget belongs to one analysis on one thread.
/// </summary>
public sealed class AnalysisBudget
{
    /// <summary>
    /// Default for reading one upload (object: ELF + BTF parse, link, inspect; kernel: BTF parse): 16 M steps. The 159
    /// readable corpus objects take at most 19 517; one program of a million instructions about 2 M; a vmlinux with all
    /// its modules well under 2 M types.
    /// </summary>
    public const long DefaultUploadWork = 16_000_000;

    /// <summary>
    /// Default for one object on one kernel (every program's fixups, rules and reachability walk): 4 M steps. The corpus
    /// objects take at most 14 515 on a real kernel; a straight program of a million instructions about 2 M; the walk's
    /// worst case (up to 24 states at every instruction) stops here after a few seconds.
    /// </summary>
    public const long DefaultCellWork = 4_000_000;

    /// <summary>The clock and the token are looked at once per this many steps.</summary>
    private const long ClockEvery = 4096;

    private readonly long _deadline;
    private long _nextClock;
    private bool _timedOut;

    /// <param name="limit">Most steps the analysis may take (<see cref="long.MaxValue"/>: no limit).</param>
    /// <param name="timeout">Wall-clock bound of the analysis, or null.</param>
    /// <param name="cancellation">Stops the analysis with <see cref="OperationCanceledException"/> when cancelled.</param>
    public AnalysisBudget(long limit, TimeSpan? timeout = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        Limit = limit;
        Timeout = timeout;
        Cancellation = cancellation;
        _deadline = timeout is { } t ? Stopwatch.GetTimestamp() + (long)(t.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
    }

    /// <summary>No step limit and no clock (only <paramref name="cancellation"/>).</summary>
    public static AnalysisBudget Unlimited(CancellationToken cancellation = default) => new(long.MaxValue, null, cancellation);

    public long Limit { get; }
    public TimeSpan? Timeout { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>Steps charged so far.</summary>
    public long Used { get; private set; }

    /// <summary>True once the step limit or the deadline was passed.</summary>
    public bool IsExceeded { get; private set; }

    /// <summary>
    /// Charges <paramref name="steps"/> for <paramref name="what"/> (named in the error, e.g. "program 'p': reachability walk").
    /// Throws <see cref="AnalysisBudgetExceededException"/> past the limit or the deadline.
    /// </summary>
    public void Charge(long steps, string what)
    {
        if (!TryCharge(steps)) throw Exceeded(what);
    }

    /// <summary>
    /// Charges <paramref name="steps"/>; false past the limit or the deadline (then throw <see cref="Exceeded"/> with what
    /// ran over: the message is built only then). Throws <see cref="OperationCanceledException"/> when cancelled.
    /// </summary>
    public bool TryCharge(long steps)
    {
        if (steps < 0) steps = 0;
        if (IsExceeded || steps > Limit - Used)
        {
            Used = Limit;
            return !(IsExceeded = true);
        }
        Used += steps;
        if (Used < _nextClock) return true;
        _nextClock = Used + ClockEvery;
        Cancellation.ThrowIfCancellationRequested();
        if (Stopwatch.GetTimestamp() <= _deadline) return true;
        _timedOut = true;
        return !(IsExceeded = true);
    }

    /// <summary>The error for <paramref name="what"/> after <see cref="TryCharge"/> said false.</summary>
    public AnalysisBudgetExceededException Exceeded(string what) => _timedOut
        ? new AnalysisBudgetExceededException($"{what}: longer than the time budget of {Timeout!.Value.TotalSeconds:0.###} s", Limit)
        : new AnalysisBudgetExceededException($"{what}: more than the work budget of {Limit} steps", Limit);
}

/// <summary>
/// An analysis stopped by its <see cref="AnalysisBudget"/>: the input is too complex to analyse within the configured
/// bounds. A <see cref="BpfFormatException"/> so that every face refuses it like other bad input (the service: 422 with
/// nothing stored; the CLI: exit 2); the matrix worker turns it into an unknown cell (analysis-budget-exceeded).
/// </summary>
public sealed class AnalysisBudgetExceededException(string what, long limit) : BpfFormatException(Prefix + what)
{
    /// <summary>How every message of this exception starts.</summary>
    public const string Prefix = "too complex to analyse: ";

    /// <summary>What ran over the budget.</summary>
    public string What { get; } = what;

    /// <summary>The step limit of the budget.</summary>
    public long Limit { get; } = limit;
}
