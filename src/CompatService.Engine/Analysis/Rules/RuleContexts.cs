using CompatService.Engine.Asm;
using CompatService.Engine.Kernels;
using CompatService.Engine.Linking;
using CompatService.Engine.Object;

namespace CompatService.Engine.Analysis.Rules;

/// <summary>One object on one kernel: the inputs every rule may read, computed once.</summary>
public sealed class ObjectContext(BpfObject obj, KernelBtfSet kernel, string kernelName, ObjectResolution resolution)
{
    public BpfObject Object { get; } = obj;
    public KernelBtfSet Kernel { get; } = kernel;
    /// <summary>The kernel's release when known, else the caller's label: what messages name.</summary>
    public string KernelName { get; } = kernelName;
    public ObjectResolution Resolution { get; } = resolution;
    public KernelFeatures Features { get; } = KernelFeatures.Of(kernel);
    public KfuncHooks? Hooks { get; } = KfuncHooks.Of(kernel);
    /// <summary>The generated kernel-facts table that decides for this kernel (nearest upstream version at or below its own), if any.</summary>
    public KernelFacts.KernelFactsChoice Facts { get; } = KernelFactsRules.Choose(kernel);
    private Preparation.StructOpsLayout? _structOps;
    /// <summary>The object's struct_ops maps laid out against this kernel (libbpf's init_kern), computed once when asked.</summary>
    public Preparation.StructOpsLayout StructOps => _structOps ??= Preparation.StructOpsLayout.Build(Object, Kernel);

    /// <summary>Programs whose instructions reference <paramref name="symbol"/> as an extern.</summary>
    public IReadOnlySet<string> ReferencingPrograms(string? symbol)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (symbol is null) return set;
        foreach (var p in Object.Programs)
            if (p.References.Any(r => r.Kind == InsnReferenceKind.Extern && r.Symbol == symbol)) set.Add(p.Name);
        return set;
    }
}

/// <summary>One program of an object on one kernel: its fixups, relocated code and, after the walk, what the verifier visits.</summary>
public sealed class ProgramContext(ObjectContext obj, BpfProgram program, IReadOnlyList<Fixup> fixups,
    IReadOnlyList<CoreRelocation> core, IReadOnlyList<Instruction> relocated)
{
    public ObjectContext Obj { get; } = obj;
    public BpfProgram Program { get; } = program;
    public IReadOnlyList<Fixup> Fixups { get; } = fixups;
    public IReadOnlyList<CoreRelocation> Core { get; } = core;
    public IReadOnlyList<Instruction> Relocated { get; } = relocated;
    /// <summary>The verifier-like walk's result; set by the walk before the post-walk rules run.</summary>
    public ReachabilityResult? Reach { get; internal set; }
    /// <summary>Helper calls the kernel lacks (instruction → helper id), found before the walk so it can stop at them.</summary>
    public IReadOnlyDictionary<int, int> MissingHelperCalls { get; internal set; } = new Dictionary<int, int>();

    private IReadOnlyList<HelperCall>? _helperCalls;
    private (ReachabilityResult Reach, SleepableContexts Contexts)? _sleepable;

    /// <summary>
    /// Which functions the verifier checks in a non-sleepable state, for the current <see cref="Reach"/> (the
    /// counterfactual walks swap it): computed once per walk result when asked.
    /// </summary>
    public SleepableContexts Sleepable
    {
        get
        {
            var reach = Reach!;
            if (_sleepable is { } c && ReferenceEquals(c.Reach, reach)) return c.Contexts;
            var contexts = SleepableContexts.Compute(Obj.Object, Program, Relocated, Fixups, reach.IsVisited);
            _sleepable = (reach, contexts);
            return contexts;
        }
    }

    /// <summary>
    /// Every helper call of the relocated program (ld_imm64 second halves skipped; poisoned kfunc calls, whose imm is at
    /// or above <see cref="KfuncFixups.PoisonCallKfuncBase"/>, and non-positive ids left out), in instruction order: the one
    /// scan <see cref="HelperMissingRule"/> and <see cref="HelperNotAllowedRule"/> share.
    /// </summary>
    public IReadOnlyList<HelperCall> HelperCalls => _helperCalls ??= ScanHelperCalls(Relocated);

    private static List<HelperCall> ScanHelperCalls(IReadOnlyList<Instruction> relocated)
    {
        var calls = new List<HelperCall>();
        for (var i = 0; i < relocated.Count; i++)
        {
            var insn = relocated[i];
            if (insn.IsLdImm64) { i++; continue; }
            if (insn.IsHelperCall && insn.Imm > 0 && insn.Imm < KfuncFixups.PoisonCallKfuncBase) calls.Add(new HelperCall(i, insn.Imm));
        }
        return calls;
    }

    public KernelBtfSet Kernel => Obj.Kernel;
    public string KernelName => Obj.KernelName;
    public string Name => Program.Name;

    public IEnumerable<BpfExtern> ReferencedExterns() =>
        Program.References.Where(r => r.Kind == InsnReferenceKind.Extern && r.Extern is not null).Select(r => r.Extern!).Distinct();

    public int? FirstReference(string symbol)
    {
        foreach (var r in Program.References)
            if (r.Kind == InsnReferenceKind.Extern && r.Symbol == symbol) return r.Insn;
        return null;
    }
}

/// <summary>A helper call site: the instruction index and the helper id (its imm).</summary>
public readonly record struct HelperCall(int Insn, int Id);
