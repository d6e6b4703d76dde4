using System.Text.Json;
using CompatService.Api.Tests.Infrastructure;

namespace CompatService.Api.Tests.Validation;

/// <summary>The generated swagger.json: an X-Api-Key scheme the UI can authorize with, every operation described, refusals documented.</summary>
public sealed class SwaggerDocumentTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    private async Task<JsonElement> DocAsync()
    {
        using var c = api.CreateClient();
        return JsonDocument.Parse(await c.GetStringAsync("/swagger/v1/swagger.json")).RootElement.Clone();
    }

    private static IEnumerable<(string Path, string Method, JsonElement Op)> Operations(JsonElement doc) =>
        doc.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()
            .Where(m => Methods.Contains(m.Name)).Select(m => (p.Name, m.Name, m.Value)));

    [PgFact]
    public async Task ApiKeyScheme_IsDeclared_AndEveryWriteRequiresIt()
    {
        var doc = await DocAsync();
        var scheme = doc.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        var writes = Operations(doc).Where(o => o.Method is "post" or "delete" or "patch").ToList();
        Assert.True(writes.Count >= 7);
        foreach (var (path, method, op) in writes)
        {
            Assert.True(op.TryGetProperty("security", out var security), $"{method} {path} has no security requirement");
            Assert.Contains(security.EnumerateArray(), r => r.TryGetProperty("ApiKey", out _));
            foreach (var code in new[] { "401", "403" })
                Assert.True(op.GetProperty("responses").TryGetProperty(code, out _), $"{method} {path} does not document {code}");
        }
    }

    [PgFact]
    public async Task EveryOperation_HasSummaryDescription_And400And503AsProblemDetails()
    {
        var doc = await DocAsync();
        Assert.True(doc.GetProperty("components").GetProperty("schemas").TryGetProperty("ProblemDetails", out _));
        foreach (var (path, method, op) in Operations(doc))
        {
            Assert.False(string.IsNullOrWhiteSpace(op.TryGetProperty("summary", out var s) ? s.GetString() : null), $"{method} {path}: no summary");
            Assert.False(string.IsNullOrWhiteSpace(op.TryGetProperty("description", out var d) ? d.GetString() : null), $"{method} {path}: no description");
            foreach (var code in new[] { "400", "503" })
            {
                var r = op.GetProperty("responses").GetProperty(code);
                var schemaRef = r.GetProperty("content").GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString();
                Assert.EndsWith("/ProblemDetails", schemaRef);
            }
        }
    }

    [PgFact]
    public async Task Uploads_Document413And422_AndCarryFormExamples()
    {
        var doc = await DocAsync();
        var upload = doc.GetProperty("paths").GetProperty("/api/kernels").GetProperty("post");
        foreach (var code in new[] { "413", "422" })
            Assert.True(upload.GetProperty("responses").TryGetProperty(code, out _), code);
        var json = upload.GetProperty("requestBody").GetRawText();
        Assert.Contains("\"example\": \"6.1.0-47-amd64\"", json.Replace("\":\"", "\": \""));
        Assert.Contains("fleet=edge", json);
        var config = doc.GetProperty("paths").GetProperty("/api/kernels/{id}/config").GetProperty("post").GetProperty("responses");
        foreach (var code in new[] { "404", "409", "413", "422" })
            Assert.True(config.TryGetProperty(code, out _), code);
    }
}
