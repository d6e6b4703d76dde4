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
        var (obj, _) = Inputs.ReadObject(args.Positional[0]);
        var kernel = kernelPath is null ? null : Inputs.ReadKernel(kernelPath).Btf;
        var sb = new StringBuilder();
        foreach (var p in obj.Programs.Where(p => programName is null || p.Name == programName))
        {
            sb.Append($"{p.Name} ({p.SectionName}):\n");
            if (kernel is null)
            {
                sb.Append(Disassembler.FormatProgram(p.Instructions));
                continue;
            }
            var r = CompatEngine.Relocate(obj, kernel, p.Name, kernelPath);
            var insns = r.InstructionsHex.Select(h => Instruction.Decode(Convert.FromHexString(h), obj.Endian)).ToArray();
            var marks = r.Fixups.ToDictionary(f => f.Insn, f => $"  ; {f.Kind} {f.Symbol}");
            foreach (var line in Disassembler.FormatProgram(insns).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select((l, i) => (l, i)))
                sb.Append(line.l).Append(FixupMark(marks, line.l)).Append('\n');
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
