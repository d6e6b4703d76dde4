using System.Text.Json;
using CompatService.Contracts;
using CompatService.Reporting;

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
        var minimum = args.Flag("minimum-kernel");
        args.RejectUnknown();
        if (args.Positional.Count == 0 || kernelArgs.Count == 0)
            throw new CliUsageException("usage: compat check OBJECT... --kernel KERNEL [--kernel KERNEL ...] [--format text|json|markdown]");

        var progress = new Progress(kernelArgs.Count + args.Positional.Count, "reading");
        var kernels = new List<MatrixKernelInput>();
        var streams = new List<StreamKernel>();
        foreach (var k in kernelArgs)
        {
            progress.Step(k);
            var loaded = Inputs.ReadKernel(k);
            kernels.Add(new MatrixKernelInput(k, loaded.Btf));
            streams.Add(new StreamKernel(k, loaded.Release, loaded.Distro, loaded.Arch, loaded.Flavour));
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
        // --minimum-kernel adds a section (json: "minimumKernels"); without it every format stays byte-identical.
        var min = minimum ? MinimumKernels.Compute(report, streams) : null;
        stdout.Write(format switch
        {
            "json" => CliJson.Serialize(report with { MinimumKernels = min }) + "\n",
            "markdown" => MatrixFormatter.Markdown(report) + (min is null ? "" : MinimumKernelFormatter.Markdown(min)),
            _ => MatrixFormatter.Text(report) + (min is null ? "" : MinimumKernelFormatter.Text(min)),
        });
        return MatrixOk.AllOk(report, Strict) ? 0 : 1;
    }
}
