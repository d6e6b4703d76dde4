using CompatService.Engine.Analysis.Rules;

namespace CompatService.Engine.Analysis;

/// <summary>
/// What the walk's verdict depends on beyond the kernel's own facts: `.rodata` values as shipped (a loader may rewrite
/// them) and `.kconfig` values the engine lacks for the kernel (no config, no release). Both are answered by running the
/// post-walk rules on a second reachability result and comparing findings.
/// </summary>
internal static class WalkCounterfactuals
{
    private static string Key(Reason r) => $"{r.Code}|{r.Symbol}|{r.Insn}";

    /// <summary>
    /// Findings the rules make only on paths that branch on an undecided `.kconfig` value: the kernel may or may not
    /// take them, so each becomes `kconfig-unknown` (unknown, naming the value and the input that decides it) instead of
    /// a guessed "fails" — and never a guessed "loads".
    /// </summary>
    public static void Undecided(ProgramContext ctx, ConstantMemory memory, Findings findings, int postWalkStart)
    {
        var reach = ctx.Reach!;
        if (reach.Possible is not { } possible) return;
        ctx.Reach = possible;
        var speculative = new Findings();
        VerdictEngine.PostWalk(ctx, speculative);
        ctx.Reach = reach;
        var definite = findings.Reasons.Skip(postWalkStart).Select(Key).ToHashSet();
        var names = reach.UndecidedReads.Select(memory.KconfigName).Distinct().ToArray();
        var what = string.Join(", ", names);
        var input = names.Any(n => n.StartsWith("CONFIG_", StringComparison.Ordinal))
            ? $"the kernel config of {ctx.KernelName} is not known (upload it: POST /api/kernels/{{id}}/config)"
            : names.Contains("LINUX_KERNEL_VERSION") ? $"the release of {ctx.KernelName} is not known"
            : names.Contains(Linking.SyscallWrapperProbe.Name) ? $"{Linking.SyscallWrapperProbe.Name}: {WrapperWhy(ctx)}" : "libbpf probes it on the host";
        foreach (var r in speculative.Reasons.Where(r => !VerdictRules.IsNote(r.Code) && !definite.Contains(Key(r))).DistinctBy(Key))
            findings.Add(new Reason(ReasonCodes.KconfigUnknown, names.FirstOrDefault(), r.Insn,
                $"program '{ctx.Name}': only on a path that depends on {what} ({input}): {r.Message}"));
    }

    private static string WrapperWhy(ProgramContext ctx)
    {
        Linking.SyscallWrapperProbe.Value(ctx.Kernel, out var why);
        return $"{why} (upload the kernel's config: POST /api/kernels/{{id}}/config)";
    }

    /// <summary>
    /// When the walk read `.rodata` values as shipped, walks again with them unknown and runs the post-walk rules on that
    /// walk: if their findings differ, a shipped value decided the verdict, and a loader that rewrites `.rodata` before
    /// loading (a skeleton's <c>rodata-&gt;x = ...</c>) may get another answer — the note `rodata-as-shipped` says so.
    /// </summary>
    public static void RodataDecided(ProgramContext ctx, ConstantMemory memory, Findings findings, int postWalkStart, Binary.AnalysisBudget budget)
    {
        var reach = ctx.Reach!;
        if (!reach.ReadShippedData) return;
        ctx.Reach = ctx.Obj.Object.Walks.Analyze(ctx.Relocated, VerdictEngine.WalkPoison(ctx), VerdictEngine.HostOnly(ctx), memory.WithoutShipped(), budget,
            $"program '{ctx.Name}': reachability walk with .rodata unknown");
        var alternative = new Findings();
        VerdictEngine.PostWalk(ctx, alternative);
        ctx.Reach = reach;
        var asShipped = findings.Reasons.Skip(postWalkStart).Select(Key).ToHashSet();
        if (asShipped.SetEquals(alternative.Reasons.Select(Key))) return;
        var where = string.Join(", ", reach.ShippedReads.Select(r => memory.Describe(r.Section, r.Offset)).Distinct().Take(4));
        findings.Add(new Reason(ReasonCodes.RodataAsShipped, null, null,
            $"program '{ctx.Name}': a branch that decides this verdict reads .rodata as shipped in the object: {where}; a loader that sets these values before loading may get another answer"));
    }
}
