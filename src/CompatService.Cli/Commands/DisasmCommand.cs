using System.Text;
using CompatService.Engine;
using CompatService.Engine.Asm;

namespace CompatService.Cli.Commands;

/// <summary>`compat disasm OBJECT [--program NAME] [--kernel KERNEL]`: linked programs, with the kernel's fixups applied and marked.</summary>
public static class DisasmCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        var programName = args.One("program");
        var kernelPath = args.One("kernel");
        args.RejectUnknown();
        if (args.Positional.Count != 1) throw new CliUsageException("usage: compat disasm OBJECT [--program NAME] [--kernel KERNEL]");
        var (obj, _) = Inputs.ReadObject(args.Positional[0], args.ReadBudget());
        var kernel = kernelPath is null ? null : Inputs.ReadKernel(kernelPath).Btf;
        var sb = new StringBuilder();
        foreach (var p in obj.Programs.Where(p => programName is null || p.Name == programName))
        {
            sb.Append($"{p.Name} ({p.SectionName}):\n");
            if (kernel is null)
            {
                var refs = p.References.Where(x => x.Kind is Engine.Object.InsnReferenceKind.Extern or Engine.Object.InsnReferenceKind.SubprogramCall)
                    .GroupBy(x => x.Insn).ToDictionary(g => g.Key, g => g.First().Symbol);
                var helperNames = Disassembler.HelperCallNames(p.Instructions);
                foreach (var line in Disassembler.FormatProgram(p.Instructions, i => refs.GetValueOrDefault(i) ?? helperNames(i), obj.Endian))
                    sb.Append(line).Append('\n');
                continue;
            }
            var r = CompatEngine.Relocate(obj, kernel, p.Name, kernelPath, args.CheckBudget());
            var insns = r.InstructionsHex.Select(h => Instruction.Decode(Convert.FromHexString(h), obj.Endian)).ToArray();
            var marks = r.Fixups.ToDictionary(f => f.Insn, f => $"  ; {f.Kind} {f.Symbol}{(f.BtfId is null ? "" : $" [btf {f.BtfId}{(f.Module is null ? "" : $" {f.Module}")}]")}");
            var names = r.Fixups.ToDictionary(f => f.Insn, f => f.Symbol);
            var helpers = Disassembler.HelperCallNames(insns);
            foreach (var line in Disassembler.FormatProgram(insns, i => names.GetValueOrDefault(i) ?? helpers(i), obj.Endian))
                sb.Append(line).Append(FixupMark(marks, line)).Append('\n');
        }
        stdout.Write(sb.ToString());
        return 0;
    }

    private static string FixupMark(Dictionary<int, string> marks, string line)
    {
        var colon = line.IndexOf(':');
        return colon > 0 && int.TryParse(line[..colon].Trim(), out var idx) && marks.TryGetValue(idx, out var m) ? m : "";
    }
}
