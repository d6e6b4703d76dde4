using System.Net;
using System.Text;
using System.Text.Json;
using CompatService.Contracts;

namespace CompatService.Agent.Tests.Commands;

/// <summary>An in-memory CompatService: knows kernels / objects once uploaded, answers verdicts, records reports.</summary>
public sealed class FakeService : HttpMessageHandler
{
    public List<(HttpMethod Method, string Path, string? ApiKey)> Requests { get; } = [];
    public HashSet<string> Kernels { get; } = [];
    public HashSet<string> Objects { get; } = [];
    public List<string> ModuleUploads { get; } = [];
    public List<AgentReport> Reports { get; } = [];
    /// <summary>Verdict the service gives every program it is asked about.</summary>
    public Func<string, string, ProgramResult> Verdict { get; set; } = (_, _) => new ProgramResult("k", Contracts.Verdict.Loads, [], [], []);
    /// <summary>Programs per object sha (what the service would have parsed).</summary>
    public Dictionary<string, string[]> ProgramsOf { get; } = [];
    public bool Down { get; set; }
    private string? _lastKernelSha;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (Down) throw new HttpRequestException("Connection refused");
        var path = request.RequestUri!.AbsolutePath;
        request.Headers.TryGetValues(ApiRoutes.ApiKeyHeader, out var keys);
        Requests.Add((request.Method, path, keys?.FirstOrDefault()));
        var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
        if (request.Method == HttpMethod.Get && path == ApiRoutes.AgentVerdicts)
        {
            var kernel = query["kernel"]!;
            if (!Kernels.Contains(kernel)) return new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new StringContent("{\"title\":\"unknown kernel\"}") };
            var answers = (query.GetValues("object") ?? []).Select(sha => Objects.Contains(sha)
                ? new AgentObjectVerdicts(sha, true, ProgramsOf.GetValueOrDefault(sha, []).Select(p => new ProgramResultWithName(p, Verdict(sha, p))).ToList())
                : new AgentObjectVerdicts(sha, false, [])).ToList();
            return Json(new AgentVerdictsResponse(new AgentKernelRef(1, kernel, "r"), answers));
        }
        if (request.Method == HttpMethod.Post && path == ApiRoutes.Kernels)
        {
            Kernels.Add(_lastKernelSha = PendingKernelSha ?? "");
            return Json(Kernel(), HttpStatusCode.Created);
        }
        if (request.Method == HttpMethod.Post && path.StartsWith("/api/kernels/", StringComparison.Ordinal) && path.EndsWith("/modules", StringComparison.Ordinal))
        {
            ModuleUploads.Add(path);
            return Json(Kernel(), HttpStatusCode.Created);
        }
        if (request.Method == HttpMethod.Post && path == ApiRoutes.Objects)
        {
            Objects.Add(PendingObjectSha ?? "");
            return Json(new ObjectDto(1, PendingObjectSha ?? "", "o", new Dictionary<string, string>(), 1, DateTimeOffset.UnixEpoch, [], "GPL", []), HttpStatusCode.Created);
        }
        if (request.Method == HttpMethod.Post && path == ApiRoutes.AgentReports)
        {
            var json = await request.Content!.ReadAsStringAsync(ct);
            Reports.Add(JsonSerializer.Deserialize<AgentReport>(json, ContractJson.Options)!);
            return Json(new List<ObservedOutcomeDto>(), HttpStatusCode.Created);
        }
        return new HttpResponseMessage(HttpStatusCode.NotFound);
    }

    /// <summary>The sha the next kernel / object upload stands for (the fake does not hash multipart bodies).</summary>
    public string? PendingKernelSha { get; set; }
    public string? PendingObjectSha { get; set; }

    private KernelDto Kernel() => new(1, _lastKernelSha ?? "", "r", "amd64", null, null, new Dictionary<string, string>(), 3, 10, 5, true, false, [], "agent", DateTimeOffset.UnixEpoch);

    private static HttpResponseMessage Json<T>(T value, HttpStatusCode code = HttpStatusCode.OK) =>
        new(code) { Content = new StringContent(JsonSerializer.Serialize(value, ContractJson.Options), Encoding.UTF8, "application/json") };
}
