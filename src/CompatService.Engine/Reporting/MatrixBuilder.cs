using CompatService.Contracts;
using CompatService.Engine.Analysis;
using CompatService.Engine.Binary;
using CompatService.Engine.Kernels;
using CompatService.Engine.Object;

namespace CompatService.Engine.Reporting;

/// <summary>A kernel in a matrix: the id the caller knows it by (CLI argument, database id) and the parsed kernel.</summary>
public sealed record MatrixKernelInput(string Id, KernelBtfSet Kernel);

/// <summary>An object in a matrix: its path or name, sha256, and either the parsed object or why it could not be parsed.</summary>
public sealed record MatrixObjectInput(string Path, string Sha256, BpfObject Object);

/// <summary>Builds the <see cref="MatrixReport"/> (`compat check --format json`, `GET /api/matrix`) from engine results.</summary>
public static class MatrixBuilder
{
    /// <summary>
    /// The report of every object on every kernel; each object × kernel check gets a fresh budget from
    /// <paramref name="budget"/> (none: unlimited). Over it, the error names the object and the kernel.
    /// </summary>
    public static MatrixReport Build(IReadOnlyList<MatrixObjectInput> objects, IReadOnlyList<MatrixKernelInput> kernels, Func<AnalysisBudget>? budget = null)
    {
        var kernelRows = kernels.Select(k => new MatrixKernel(k.Id, k.Kernel.Release, k.Kernel.BtfSha256)).ToArray();
        var objectRows = new List<MatrixObject>(objects.Count);
        foreach (var o in objects)
        {
            var perKernel = kernels.Select(k => Check(o, k, budget?.Invoke())).ToArray();
            var programs = o.Object.Programs.Select((p, i) =>
            {
                var summary = ObjectInspector.Summarize(p);
                return new MatrixProgram(p.Name, p.SectionName, p.Type, summary.Kfuncs, perKernel.Select(r => r[i]).ToArray());
            }).ToArray();
            objectRows.Add(new MatrixObject(o.Path, o.Sha256, programs));
        }
        return new MatrixReport(kernelRows, objectRows);
    }

    private static IReadOnlyList<ProgramResult> Check(MatrixObjectInput o, MatrixKernelInput k, AnalysisBudget? budget)
    {
        try
        {
            return CompatEngine.Check(o.Object, k.Kernel, k.Id, budget);
        }
        catch (AnalysisBudgetExceededException e)
        {
            throw new AnalysisBudgetExceededException($"{o.Path} on {k.Id}: {e.What}", e.Limit);
        }
    }
}
