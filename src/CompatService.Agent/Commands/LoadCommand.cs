using CompatService.Contracts;
using CompatService.Engine.Reporting;
using CompatService.Reporting;
using CompatService.Loader.Loading;

namespace CompatService.Agent.Commands;

/// <summary>
/// `load OBJECT... [--server URL] [--force] [--pin DIR]`: predict (ask the service by kernel BTF sha256, uploading the
/// kernel or the object when it does not know them; or check locally), refuse predicted failures unless --force,
/// load through bpf(2), print and report the observed outcomes.
/// </summary>
public static class LoadCommand
{
    public const string RefusedTail = "not loaded: predicted to fail on this kernel (use --force to load anyway)";
    public const string AutoloadOffTail = "not loaded: autoload is off for this program ('?' section)";

    public static async Task<int> RunAsync(AgentApp app, AgentArgs args, CancellationToken ct)
    {
        var objects = AgentApp.ReadObjects(args.Objects);
        var missing = args.Programs.Where(n => !objects.Any(o => o.Object.Programs.Any(p => p.Name == n))).ToList();
        if (missing.Count > 0) throw new InputException($"no program named {string.Join(", ", missing)} in the given objects");
        var session = app.Host(args.HostRoot);
        var service = args.Server is null ? null : app.Service(args);
        var predictions = service is null
            ? Local(session, objects)
            : await FromServiceAsync(service, session, objects, ct);

        var target = session.LoadTarget();
        var loader = new ObjectLoader(session.Bpf);
        var lines = new List<AgentProgramLine>();
        var outcomes = new List<ObservedOutcome>();
        foreach (var o in objects)
        {
            var toLoad = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in o.Object.Programs)
            {
                var predicted = predictions.GetValueOrDefault((o.Sha256, p.Name))?.Verdict ?? Verdict.Unknown;
                if (!Selected(args, p.Name, p.SectionInfo.AutoLoad)) continue;
                if (predicted != Verdict.Fails || args.Force) toLoad.Add(p.Name);
            }
            using var loaded = toLoad.Count == 0
                ? null
                : loader.Load(o.Object, target, new LoadOptions
                {
                    ObjectName = Path.GetFileNameWithoutExtension(o.Name).Split('.')[0],
                    Programs = toLoad,
                    PinDirectory = args.PinDirectory,
                    SizeUnsizedMaps = args.SizeUnsizedMaps,
                });
            foreach (var w in loaded?.Warnings ?? []) app.Err.WriteLine($"compat-agent: {o.Name}: warning: {w}");
            foreach (var r in loaded?.StructOps ?? []) if (r.Accepted) app.Err.WriteLine($"compat-agent: {o.Name}: note: {r.Message}");
            foreach (var p in o.Object.Programs)
            {
                if (args.Programs.Count > 0 && !args.Programs.Contains(p.Name)) continue;
                var result = predictions.GetValueOrDefault((o.Sha256, p.Name));
                var predicted = result?.Verdict ?? Verdict.Unknown;
                var reasons = result?.Reasons ?? [];
                var outcome = loaded?.Programs.FirstOrDefault(x => x.Program == p.Name);
                if (outcome is null)
                {
                    var why = p.SectionInfo.AutoLoad ? RefusedTail : AutoloadOffTail;
                    lines.Add(new AgentProgramLine(o.Path, p.Name, predicted, null, null, why, reasons));
                    continue;
                }
                var tail = outcome.Loaded ? null : outcome.Tail() is { Length: > 0 } t ? t : outcome.Message;
                lines.Add(new AgentProgramLine(o.Path, p.Name, predicted, outcome.Loaded, outcome.Errno, tail, reasons));
                outcomes.Add(new ObservedOutcome(o.Sha256, o.Name, p.Name, predicted, outcome.Loaded, outcome.Errno, tail, DateTimeOffset.UtcNow));
            }
        }

        app.Print(args, new AgentOutput(AgentApp.KernelInfo(session), lines));
        if (service is not null && outcomes.Count > 0)
            await service.PostReportAsync(new AgentReport(Environment.MachineName, session.Host.BtfSha256, session.Host.Release, outcomes), ct);
        return ExitCode(lines, args.Strict);
    }

    /// <summary>
    /// 1 for a predicted or observed failure (the README's contract): a program that failed to load, or one predicted
    /// to fail — loaded anyway with --force or not — by the engine's one <see cref="OkPolicy"/>; else 0. Programs
    /// with autoload off are not judged.
    /// </summary>
    public static int ExitCode(IEnumerable<AgentProgramLine> lines, bool strict)
    {
        var list = lines.Where(l => l.VerifierTail != AutoloadOffTail).ToList(); // libbpf would not load those either
        var observedFailure = list.Any(l => l.Loaded == false);
        return observedFailure || !OkPolicy.AllOk(list.Select(l => l.Predicted.ToEngine()), strict) ? AgentApp.Failure : AgentApp.Ok;
    }

    /// <summary>With --program only the named programs (autoload or not); otherwise every autoload program.</summary>
    private static bool Selected(AgentArgs args, string name, bool autoLoad) =>
        args.Programs.Count > 0 ? args.Programs.Contains(name) : autoLoad;

    private static Dictionary<(string, string), ProgramResult> Local(Loader.Discovery.HostSession session, IReadOnlyList<InputObject> objects)
    {
        var map = new Dictionary<(string, string), ProgramResult>();
        foreach (var o in objects)
        {
            var results = Engine.CompatEngine.Check(o.Object, session.Kernel, session.Kernel.Release ?? "host").ToContract();
            for (var i = 0; i < results.Count; i++) map[(o.Sha256, o.Object.Programs[i].Name)] = results[i];
        }
        return map;
    }

    /// <summary>Asks the service; uploads the kernel (404) or unknown objects, then asks again.</summary>
    public static async Task<Dictionary<(string, string), ProgramResult>> FromServiceAsync(
        ServiceClient service, Loader.Discovery.HostSession session, IReadOnlyList<InputObject> objects, CancellationToken ct)
    {
        var shas = objects.Select(o => o.Sha256).ToList();
        var answer = await service.GetVerdictsAsync(session.Host.BtfSha256, shas, ct);
        if (answer is null)
        {
            await ReportCommand.UploadKernelAsync(service, session.Host, ct);
            answer = await service.GetVerdictsAsync(session.Host.BtfSha256, shas, ct)
                     ?? throw new ServiceException("the service still does not know this kernel after uploading it");
        }
        var unknown = answer.Objects.Where(a => !a.Known).Select(a => a.Sha256).ToHashSet();
        if (unknown.Count > 0)
        {
            foreach (var o in objects.Where(o => unknown.Contains(o.Sha256)).DistinctBy(o => o.Sha256))
                await service.UploadObjectAsync(o.Bytes, o.Name, ct);
            answer = await service.GetVerdictsAsync(session.Host.BtfSha256, shas, ct)
                     ?? throw new ServiceException("the service forgot this kernel");
        }
        var map = new Dictionary<(string, string), ProgramResult>();
        foreach (var a in answer.Objects)
            foreach (var p in a.Programs)
                map[(a.Sha256, p.Name)] = p.Result;
        return map;
    }
}
