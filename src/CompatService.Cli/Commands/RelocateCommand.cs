using System.Text;
using System.Text.Json;
using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Engine.Asm;

namespace CompatService.Cli.Commands;

/// <summary>`compat relocate OBJECT --kernel KERNEL --program NAME [--format json|text]`: the fixups and the relocated code.</summary>
public static class RelocateCommand
{
    public static int Run(CliArgs args, TextWriter stdout)
    {
        var format = args.Format("json", "text");
        var kernelPath = args.One("kernel");
        var programName = args.One("program");
        args.RejectUnknown();
        if (args.Positional.Count != 1 || kernelPath is null || programName is null)
            throw new CliUsageException("usage: compat relocate OBJECT --kernel KERNEL --program NAME [--format json|text]");
        var (obj, _) = Inputs.ReadObject(args.Positional[0], args.ReadBudget());
        if (obj.FindProgram(programName) is null)
            throw new CliUsageException($"{args.Positional[0]}: no program named '{programName}' (have: {string.Join(", ", obj.Programs.Select(p => p.Name))})");
        var kernel = Inputs.ReadKernel(kernelPath).Btf;
        var result = CompatEngine.Relocate(obj, kernel, programName, kernelPath, args.CheckBudget());
        if (format == "json")
        {
            stdout.Write(CliJson.Serialize(result) + "\n");
            return 0;
        }
        var sb = new StringBuilder();
        foreach (var f in result.Fixups)
            sb.Append($"insn {f.Insn}: {f.Kind} {f.Symbol}{(f.BtfId is null ? "" : $" btf id {f.BtfId}")}{(f.Module is null ? "" : $" module {f.Module} (slot {f.ModuleSlot})")}\n");
        var insns = result.InstructionsHex.Select(h => Instruction.Decode(Convert.FromHexString(h), obj.Endian)).ToArray();
        var names = result.Fixups.ToDictionary(f => f.Insn, f => f.Symbol);
        var helpers = Disassembler.HelperCallNames(insns);
        foreach (var line in Disassembler.FormatProgram(insns, i => names.GetValueOrDefault(i) ?? helpers(i), obj.Endian))
            sb.Append(line).Append('\n');
        stdout.Write(sb.ToString());
        return 0;
    }
}
