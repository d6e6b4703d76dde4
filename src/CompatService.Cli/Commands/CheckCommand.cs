using System.Text.Json;
using CompatService.Contracts;
using CompatService.Engine.Reporting;

namespace CompatService.Cli.Commands;

/// <summary>
/// `compat check OBJECT... --kernel KERNEL [--kernel KERNEL ...] [--format text|json|markdown]`: the matrix.
/// Exit 0 when every program loads everywhere, 1 when some do not.
/// </summary>
public static class CheckCommand
{
    /// <summary>`compat check` is strict: an unknown verdict is not OK (exit 0 only when every program loads everywhere).</summary>
    public const bool Strict = true;

    public static int Run(CliArgs args, TextWriter stdout)
    {
        var format = args.Format("text", "json", "markdown");
        var kernelArgs = args.All("kernel");
        args.RejectUnknown();
        if (args.Positional.Count == 0 || kernelArgs.Count == 0)
            throw new CliUsageException("usage: compat check OBJECT... --kernel KERNEL [--kernel KERNEL ...] [--format text|json|markdown]");

        var progress = new Progress(kernelArgs.Count + args.Positional.Count, "reading");
        var kernels = new List<MatrixKernelInput>();
        foreach (var k in kernelArgs)
        {
            progress.Step(k);
            kernels.Add(new MatrixKernelInput(k, Inputs.ReadKernel(k).Btf));
        }
        var objects = new List<MatrixObjectInput>();
        foreach (var path in args.Positional)
        {
            progress.Step(path);
            var (obj, sha) = Inputs.ReadObject(path, args.ReadBudget());
            objects.Add(new MatrixObjectInput(path, sha, obj));
        }
        progress.Done();

        var report = MatrixBuilder.Build(objects, kernels, args.CheckBudget);
        stdout.Write(format switch
        {
            "json" => CliJson.Serialize(report) + "\n",
            "markdown" => MatrixFormatter.Markdown(report),
            _ => MatrixFormatter.Text(report),
        });
        return OkPolicy.AllOk(report, Strict) ? 0 : 1;
    }
}
