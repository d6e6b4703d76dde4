using CompatService.Engine.Asm;
using CompatService.Engine.Elf;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis;

/// <summary>
/// In which sleepable contexts the verifier checks each function of a linked program — what its <c>in_sleepable(env)</c>
/// answers for a kfunc call there (kernel/bpf/verifier.c, 6.10 – 7.2):
/// <list type="bullet">
/// <item>the program and its global sub-programs (<c>do_check_common</c>): sleepable iff the program is
/// (<c>state-&gt;in_sleepable = env-&gt;prog-&gt;sleepable</c>);</item>
/// <item>a static sub-program called directly, or a synchronous callback (bpf_loop, bpf_for_each_map_elem, bpf_find_vma,
/// bpf_user_ringbuf_drain, bpf_rbtree_add): its caller's context (<c>push_stack</c> copies the state);</item>
/// <item>an asynchronous callback (<c>push_callback_call</c> → <c>push_async_cb(..., is_async_cb_sleepable(insn))</c>):
/// a fresh state, sleepable for the callback of <c>bpf_wq_set_callback[_impl]</c> and
/// <c>bpf_task_work_schedule_{signal,resume}</c> ("bpf_wq and bpf_task_work callbacks are always sleepable"), never for
/// <c>bpf_timer_set_callback</c> ("bpf_timer callbacks are never sleepable");</item>
/// <item>a callback whose set-up call the verifier's path walk never reaches is never verified at all (it is only
/// pushed when <c>check_helper_call</c> / <c>check_kfunc_call</c> process the set-up call; dead code is then removed).</item>
/// </list>
/// Edges count only from instructions the walk visits. A function pointer whose consumer is not recognised (it is not
/// passed straight to a known callback-taking call) makes its target non-sleepable: a sleepable kfunc there is reported,
/// never silently allowed. In a sleepable program a callback is treated as sleepable (up to 6.12 <c>in_sleepable</c>
/// answered true for every state of a sleepable program), except a <c>bpf_timer</c> callback: it is marked
/// (<see cref="TimerOfSleepableProgram"/>) and the kernel decides (<see cref="TimerCallbackContext"/>: non-sleepable from
/// 6.19 / 6.18.2).
/// </summary>
public sealed class SleepableContexts
{
    [Flags]
    private enum Ctx : byte { None = 0, NonSleepable = 1, Sleepable = 2, Timer = 4 }

    /// <summary>Kfuncs whose callback the verifier checks as sleepable (flavour suffixes stripped).</summary>
    private static readonly HashSet<string> SleepableAsyncKfuncs = new(StringComparer.Ordinal)
    {
        "bpf_wq_set_callback_impl", "bpf_wq_set_callback", "bpf_task_work_schedule_signal", "bpf_task_work_schedule_resume",
        "bpf_task_work_schedule_signal_impl", "bpf_task_work_schedule_resume_impl",
    };

    /// <summary>Helper ids with a synchronous callback argument: bpf_for_each_map_elem, bpf_find_vma, bpf_loop, bpf_user_ringbuf_drain.</summary>
    private static readonly HashSet<int> SyncCallbackHelpers = [164, 180, 181, 209];
    private const int TimerSetCallback = 170;

    private readonly int[] _starts;
    private readonly Ctx[] _ctx;

    /// <summary>Reached set-up calls (instruction, kfunc) that hand a sleepable callback over: pushed as a sleepable state.</summary>
    public IReadOnlyList<(int Insn, string Kfunc)> SleepableSetups => _setups;
    private readonly List<(int Insn, string Kfunc)> _setups = new();

    private SleepableContexts(int[] starts, Ctx[] ctx) { _starts = starts; _ctx = ctx; }

    /// <summary>Whether the function holding <paramref name="insn"/> is entered in a non-sleepable verifier state.</summary>
    public bool MayRunNonSleepable(int insn) => (_ctx[FunctionAt(insn)] & Ctx.NonSleepable) != 0;

    /// <summary>
    /// Whether the function holding <paramref name="insn"/> is (reached from) a <c>bpf_timer</c> callback of a sleepable
    /// program: sleepable on kernels before the fix, non-sleepable after (<see cref="TimerCallbackContext"/>).
    /// </summary>
    public bool TimerOfSleepableProgram(int insn) => (_ctx[FunctionAt(insn)] & Ctx.Timer) != 0;

    /// <summary>Whether the function holding <paramref name="insn"/> is an asynchronous / callback entry rather than the program itself.</summary>
    public bool InCallback(int insn) => FunctionAt(insn) != 0;

    private int FunctionAt(int insn)
    {
        var i = Array.BinarySearch(_starts, insn);
        return i >= 0 ? i : Math.Max(0, ~i - 1);
    }

    /// <param name="insns">The relocated program (sub-programs appended).</param>
    /// <param name="visited">Whether the verifier's walk visits an instruction.</param>
    public static SleepableContexts Compute(BpfObject obj, BpfProgram program, IReadOnlyList<Instruction> insns,
        IReadOnlyList<Fixup> fixups, Func<int, bool> visited)
    {
        var starts = new SortedSet<int> { 0 };
        foreach (var s in program.Subprograms) starts.Add(s.StartInsn);
        for (var i = 0; i < insns.Count; i++)
        {
            var t = CallTarget(insns, i);
            if (t is >= 0 && t < insns.Count) starts.Add(t.Value);
            if (insns[i].IsLdImm64) i++;
        }
        var startArr = starts.ToArray();
        var result = new SleepableContexts(startArr, new Ctx[startArr.Length]);
        var main = program.SectionInfo.Sleepable ? Ctx.Sleepable : Ctx.NonSleepable;
        result._ctx[0] = main;
        var globals = GlobalFunctions(obj, program);
        var kfuncs = new Dictionary<int, string>();
        foreach (var f in fixups) if (f.Kind == FixupKind.KfuncCall) kfuncs[f.Insn] = Btf.BtfWalk.EssentialName(f.Symbol);

        // Edges: (from function, to function, how the context carries over).
        var edges = new List<(int From, int To, Ctx? Fixed)>();
        for (var i = 0; i < insns.Count; i++)
        {
            var isLd = insns[i].IsLdImm64;
            if (CallTarget(insns, i) is { } t && t >= 0 && t < insns.Count && visited(i))
            {
                var to = result.FunctionAt(t);
                // A global function is verified on its own, in the program's context, once called.
                (int, string)? setup = null;
                Ctx? how = globals.Contains(t) ? main : isLd ? CallbackContext(insns, i, kfuncs, out setup) : null;
                if (setup is { } handedOver) result._setups.Add(handedOver);
                // A sleepable program: its bpf_timer callbacks are marked for the kernel to decide, any other callback is sleepable.
                if (how == Ctx.Timer) how = main == Ctx.Sleepable ? Ctx.Timer : Ctx.NonSleepable;
                else if (main == Ctx.Sleepable && how == Ctx.NonSleepable) how = Ctx.Sleepable;
                edges.Add((result.FunctionAt(i), to, how));
            }
            if (isLd) i++;
        }
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (from, to, how) in edges)
            {
                var add = how ?? result._ctx[from];
                if (result._ctx[from] == Ctx.None || (result._ctx[to] | add) == result._ctx[to]) continue;
                result._ctx[to] |= add;
                changed = true;
            }
        }
        return result;
    }

    /// <summary>The sub-program a direct call (src 1) or a function-pointer ld_imm64 (src 4) at <paramref name="i"/> names.</summary>
    private static int? CallTarget(IReadOnlyList<Instruction> insns, int i)
    {
        var insn = insns[i];
        if (insn.IsPseudoCall || (insn.IsLdImm64 && insn.Src == 4)) return i + 1 + insn.Imm;
        return null;
    }

    /// <summary>
    /// The context of the callback a function pointer loaded at <paramref name="ld"/> becomes: found by following the
    /// straight-line code to the first call; the pointer must still be in the argument register that call takes it in.
    /// Null: a synchronous callback (the caller's context). Timer: a bpf_timer callback. Unrecognised: non-sleepable.
    /// </summary>
    private static Ctx? CallbackContext(IReadOnlyList<Instruction> insns, int ld, Dictionary<int, string> kfuncs, out (int, string)? setup)
    {
        setup = null;
        var reg = insns[ld].Dst & 0xf;
        for (var j = ld + 2; j < insns.Count; j++)
        {
            var insn = insns[j];
            if (insn.IsCall)
            {
                if (insn.IsHelperCall && insn.Imm == TimerSetCallback && reg == 2) return Ctx.Timer;
                if (insn.IsHelperCall && SyncCallbackHelpers.Contains(insn.Imm) && reg == (insn.Imm == 180 ? 3 : 2)) return null;
                if (insn.IsKfuncCall && kfuncs.TryGetValue(j, out var name))
                {
                    if (SleepableAsyncKfuncs.Contains(name) && reg == (name.StartsWith("bpf_task_work", StringComparison.Ordinal) ? 4 : 2))
                    {
                        setup = (j, name);
                        return Ctx.Sleepable;
                    }
                    if (name is "bpf_rbtree_add_impl" or "bpf_rbtree_add" && reg == 3) return null;
                }
                return Ctx.NonSleepable;
            }
            if (insn.IsJump || insn.IsExit) return Ctx.NonSleepable;
            if (WritesRegister(insn, reg)) return Ctx.NonSleepable;
            if (insn.IsLdImm64) j++;
        }
        return Ctx.NonSleepable;
    }

    private static bool WritesRegister(Instruction insn, int reg) => (insn.Dst & 0xf) == reg && insn.Class is 0x00 or 0x01 or 0x04 or 0x07;

    /// <summary>Start instructions of the sub-programs whose ELF symbol is global (verified on their own, like the program).</summary>
    private static HashSet<int> GlobalFunctions(BpfObject obj, BpfProgram program)
    {
        var set = new HashSet<int>();
        foreach (var s in program.Subprograms)
            foreach (var sym in obj.Elf.Symbols)
                if (sym.Type == ElfConstants.SttFunc && sym.Name == s.Name && !sym.IsUndefined && sym.IsGlobal) { set.Add(s.StartInsn); break; }
        return set;
    }
}
