using System.Text;
using System.Text.Json;
using CompatService.Contracts;
using CompatService.Engine;

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
        var summary = CompatEngine.Inspect(obj, args.ReadBudget());
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
        }
        return sb.ToString();
    }
}
