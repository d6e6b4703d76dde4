using System.Net;
using System.Text;
using CompatService.Contracts;
using CompatService.Dashboard.Api;
using Microsoft.Extensions.Options;

namespace CompatService.Dashboard.Tests.Client;

public class HttpDashboardApiTests
{
    private sealed class Recorder(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add((request, body));
            return answer(request);
        }
    }

    private static (HttpDashboardApi Api, Recorder Handler) Make(Func<HttpRequestMessage, HttpResponseMessage> answer, string? key = "write-key-123")
    {
        var handler = new Recorder(answer);
        var http = new HttpClient(handler) { BaseAddress = new Uri("http://127.0.0.1:5055/") };
        return (new HttpDashboardApi(http, Options.Create(new DashboardOptions { ApiKey = key })), handler);
    }

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, status >= HttpStatusCode.BadRequest ? "application/problem+json" : "application/json") };

    [Fact]
    public async Task Matrix_CallsApiRoutesMatrix_WithFiltersInTheQuery_AndReadsVerdictsAsStrings()
    {
        var (api, h) = Make(_ => Json("""
            {"kernels":[{"id":"7","release":"6.1.0-47-amd64","btfSha256":"ab"}],
             "objects":[{"path":"o.bpf.o","sha256":"cd","programs":[{"name":"p","section":"xdp","type":"xdp","kfuncs":[],
               "results":[{"kernel":"7","verdict":"fails","reasons":[{"code":"kfunc-missing","symbol":"k","insn":4,"message":"m"}],"kfuncs":[],"disabledPaths":[]}]}]}]}
            """));
        var m = await api.MatrixAsync(new MatrixQuery("repo=a b", null, "x86_64", "6.1", null));
        var uri = h.Requests[0].Request.RequestUri!;
        Assert.Equal(ApiRoutes.Matrix, uri.AbsolutePath);
        Assert.Equal("?format=json&objectLabel=repo%3Da%20b&arch=x86_64&minRelease=6.1", uri.Query);
        Assert.Equal(Verdict.Fails, m.Objects[0].Programs[0].Results[0].Verdict);
        Assert.Equal("kfunc-missing", m.Objects[0].Programs[0].Results[0].Reasons[0].Code);
    }

    [Fact]
    public async Task ObjectUpload_IsMultipartWithFileField_AndSendsTheApiKey()
    {
        var (api, h) = Make(_ => Json("""{"id":3,"sha256":"aa","name":"x.o","labels":{},"size":4,"createdAt":"2026-01-01T00:00:00Z","programs":[],"license":"GPL","openErrors":[]}""",
            HttpStatusCode.Created));
        var r = await api.UploadObjectAsync(new MemoryStream([1, 2, 3, 4]), "x.o", null, "repo=demo");
        Assert.True(r.Created);
        Assert.Equal(3, r.Value.Id);
        var (req, body) = h.Requests[0];
        Assert.Equal(HttpMethod.Post, req.Method);
        Assert.Equal(ApiRoutes.Objects, req.RequestUri!.AbsolutePath);
        Assert.Equal("write-key-123", req.Headers.GetValues(ApiRoutes.ApiKeyHeader).Single());
        Assert.Contains("name=file; filename=x.o", body);
        Assert.Contains("name=labels", body);
        Assert.DoesNotContain("name=name", body);
    }

    [Fact]
    public async Task SameBlobAgain_200_IsNotCreated()
    {
        var (api, _) = Make(_ => Json("""{"id":3,"sha256":"aa","name":"x.o","labels":{},"size":4,"createdAt":"2026-01-01T00:00:00Z","programs":[],"license":null,"openErrors":[]}"""));
        Assert.False((await api.UploadObjectAsync(new MemoryStream([1]), "x.o", null, null)).Created);
    }

    [Fact]
    public async Task ProblemDetails_BecomeADashboardApiException_WithTitleAndDetail()
    {
        var (api, _) = Make(_ => Json("""{"type":"about:blank","title":"not a BPF object","status":422,"detail":"ELF magic missing"}""",
            HttpStatusCode.UnprocessableEntity));
        var e = await Assert.ThrowsAsync<DashboardApiException>(() => api.UploadKernelAsync(new MemoryStream([0]), "k", new KernelUploadFields()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        Assert.Equal("not a BPF object", e.Title);
        Assert.Equal("ELF magic missing", e.Detail);
    }

    [Fact]
    public async Task NotFound_OnAGet_IsNull()
    {
        var (api, h) = Make(_ => Json("""{"title":"unknown kernel","status":404}""", HttpStatusCode.NotFound));
        Assert.Null(await api.KernelAsync(42));
        Assert.Equal("/api/kernels/42", h.Requests[0].Request.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Routes_AreFilledFromApiRoutes_AndEscaped()
    {
        var (api, h) = Make(r => Json(r.RequestUri!.AbsolutePath.Contains("disassembly")
            ? """{"program":"p x","kernelId":2,"lines":[],"fixups":[]}""" : """{"name":"bpf_x","kernels":[]}"""));
        await api.DisassemblyAsync(5, "p x", 2);
        await api.KfuncAsync("bpf_x");
        Assert.Equal("/api/objects/5/programs/p%20x/disassembly?kernel=2", h.Requests[0].Request.RequestUri!.PathAndQuery);
        Assert.Equal("/api/kfuncs/bpf_x", h.Requests[1].Request.RequestUri!.AbsolutePath);
    }

    [Theory]
    [InlineData("http://[::]:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://+:80", "http://127.0.0.1:80/")]
    [InlineData("http://127.0.0.1:4321", "http://127.0.0.1:4321/")]
    public void ListenAddress_EverywhereBecomesLoopback(string listen, string expected) =>
        Assert.Equal(new Uri(expected), ApiBaseAddress.FromListenAddress(listen));
}
