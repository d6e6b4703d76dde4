using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Engine.Reporting;
using CompatService.Reporting;

namespace CompatService.Agent.Commands;

/// <summary>`check OBJECT...`: the engine's verdict for this host's kernel, offline.</summary>
public static class CheckCommand
{
    public static int Run(AgentApp app, AgentArgs args)
    {
        var objects = AgentApp.ReadObjects(args.Objects);
        var session = app.Host(args.HostRoot);
        var lines = Predict(session.Kernel, objects);
        app.Print(args, new AgentOutput(AgentApp.KernelInfo(session), lines));
        return OkPolicy.AllOk(lines.Select(l => l.Predicted.ToEngine()), args.Strict) ? AgentApp.Ok : AgentApp.Failure;
    }

    public static List<AgentProgramLine> Predict(Engine.Kernels.KernelBtfSet kernel, IReadOnlyList<InputObject> objects)
    {
        var lines = new List<AgentProgramLine>();
        foreach (var o in objects)
        {
            var results = CompatEngine.Check(o.Object, kernel, kernel.Release ?? "host").ToContract();
            for (var i = 0; i < results.Count; i++)
                lines.Add(new AgentProgramLine(o.Path, o.Object.Programs[i].Name, results[i].Verdict, null, null, null, results[i].Reasons));
        }
        return lines;
    }
}
