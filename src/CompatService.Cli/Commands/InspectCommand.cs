using System.Text;
using System.Text.Json;
using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Reporting;

namespace CompatService.Cli.Commands;

/// <summary>`compat inspect OBJECT [--format text|json]`: what each program needs.</summary>
public static class InspectCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        var format = args.Format("text", "json");
        args.RejectUnknown();
        if (args.Positional.Count != 1) throw new CliUsageException("usage: compat inspect OBJECT [--format text|json]");
        var (obj, _) = Inputs.ReadObject(args.Positional[0], args.ReadBudget());
        var summary = CompatEngine.Inspect(obj, args.ReadBudget()).ToContract();
        stdout.Write(format == "json" ? CliJson.Serialize(summary) + "\n" : Text(args.Positional[0], summary));
        return 0;
    }

    public static string Text(string path, ObjectSummary s)
    {
        var sb = new StringBuilder();
        sb.Append($"{path}: license {s.License ?? "(none)"}{(s.GplCompatible ? " (GPL-compatible)" : " (not GPL-compatible)")}, {(s.HasBtf ? "BTF" : "no BTF")}, {s.Programs.Count} program(s), {s.Maps.Count} map(s)\n");
        foreach (var e in s.OpenErrors) sb.Append($"  libbpf would refuse to open it: {e}\n");
        foreach (var p in s.Programs)
        {
            sb.Append($"program {p.Name}: section {p.Section}, type {p.Type}{(p.AttachType is null ? "" : $", attach {p.AttachType}")}{(p.AttachTarget is null ? "" : $" to {p.AttachTarget}")}{(p.AutoLoad ? "" : ", not autoloaded")}, {p.Insns} insns\n");
            foreach (var k in p.Kfuncs)
                sb.Append($"  kfunc {k.Name} {(k.Weak ? "weak" : "strong")}: calls at [{string.Join(", ", k.CallSites)}], existence checks at [{string.Join(", ", k.ExistenceChecks)}]\n");
            foreach (var k in p.Ksyms)
                sb.Append($"  ksym {k.Name} {(k.Weak ? "weak" : "strong")} {(k.Typed ? "typed" : "typeless")}: insns [{string.Join(", ", k.Insns)}]\n");
            foreach (var k in p.Kconfig) sb.Append($"  kconfig {k}\n");
            if (p.Helpers.Count > 0) sb.Append($"  helpers: {string.Join(", ", p.Helpers)}\n");
            if (p.Requirements is { } r) Requirements(sb, r);
        }
        if (s.MapTypes.Count > 0)
            sb.Append($"maps created (libbpf creates all before loading any program): {string.Join(", ", s.MapTypes.Select(m => $"{m.Name} ({m.Type})"))}\n");
        return sb.ToString();
    }

    /// <summary>The "needs" block of a program: what a kernel must have for it.</summary>
    private static void Requirements(StringBuilder sb, ProgramRequirements r)
    {
        sb.Append($"  needs program type {r.ProgramTypeEnum}{(r.AttachTypeEnum is null ? "" : $", attach type {r.AttachTypeEnum}")}\n");
        if (r.Helpers.Count > 0)
            sb.Append($"  needs helpers: {string.Join(", ", r.Helpers.Select(h => $"{h.Name} ({h.Id})"))}\n");
        if (r.Maps.Count > 0)
            sb.Append($"  needs maps: {string.Join(", ", r.Maps.Select(m => $"{m.Name} ({m.Type})"))}\n");
        foreach (var k in r.Kfuncs)
            sb.Append($"  needs kfunc {k.Name}: {(k.Weak ? "weak" : "strong")}, {(k.Guarded ? "guarded" : "unguarded")}\n");
        foreach (var k in r.Ksyms)
            sb.Append($"  needs ksym {k.Name}: {(k.Weak ? "weak" : "strong")}, {(k.Typed ? "typed" : "typeless")}, {(k.Guarded ? "guarded" : "unguarded")}\n");
        sb.Append($"  isa: cpu {r.Isa.Cpu}");
        if (r.Isa.Features.Count > 0)
            sb.Append($"; {string.Join("; ", r.Isa.Features.Select(f => $"{f.What} (Linux ≥ {f.Since}, first at insn {f.FirstInsn})"))}");
        sb.Append('\n');
    }
}
