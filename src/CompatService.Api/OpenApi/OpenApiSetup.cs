using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CompatService.Api.OpenApi;

/// <summary>Swagger: the X-Api-Key scheme (the UI's Authorize button), summaries and descriptions, ProblemDetails refusals, form examples.</summary>
public static class OpenApiSetup
{
    public const string SchemeId = "ApiKey";

    public static IServiceCollection AddCompatOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        return services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "CompatService", Version = "v1",
                Description = "Will this BPF program load on that kernel, and if not, why? Writes need the X-Api-Key header "
                              + "(Authorize button; scripts/run.sh keeps the key in .data/api-key). Every refusal is an RFC 9457 ProblemDetails.",
            });
            o.AddSecurityDefinition(SchemeId, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiRoutes.ApiKeyHeader,
                Description = "The service's write key (Compat:ApiKeys); reads need it only when Compat:RequireKeyForReads is set.",
            });
            o.OperationFilter<CompatOperationFilter>();
        });
    }

    public static WebApplication UseCompatSwagger(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(o =>
        {
            o.SwaggerEndpoint("/swagger/v1/swagger.json", "CompatService v1");
            o.EnablePersistAuthorization();
        });
        return app;
    }
}

/// <summary>Fills each operation from <see cref="OperationDocs"/> and the endpoint's key requirement.</summary>
public sealed class CompatOperationFilter : IOperationFilter
{
    private static readonly Dictionary<int, string> Meaning = new()
    {
        [400] = "a parameter does not follow its grammar (the ProblemDetails names it in 'parameter')",
        [401] = "the X-Api-Key header is missing (reads: only when the service requires a key for reads)",
        [403] = "the X-Api-Key is not valid",
        [404] = "no such kernel / object / program",
        [409] = "conflicts with what is stored",
        [413] = "the upload (or what it decompresses to) is larger than the limit",
        [422] = "the input is malformed or not what this route takes (e.g. a BPF object sent as a kernel)",
        [503] = "the database is unavailable; nothing was stored, retry",
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var name = metadata.OfType<IEndpointNameMetadata>().LastOrDefault()?.EndpointName;
        var doc = name is not null && OperationDocs.ByName.TryGetValue(name, out var d) ? d : null;
        if (doc is not null)
        {
            operation.Summary = doc.Summary;
            operation.Description = doc.Description;
        }
        var key = metadata.OfType<ApiKeyMetadata>().LastOrDefault();
        var codes = new SortedSet<int>(doc?.Problems ?? []) { 400, 503 };
        if (key is not null)
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApi.OpenApiSetup.SchemeId, context.Document)] = [] });
            codes.Add(401); // reads only when Compat:RequireKeyForReads
            codes.Add(403);
        }
        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        operation.Responses ??= new OpenApiResponses();
        foreach (var code in codes)
        {
            operation.Responses[code.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = Meaning[code],
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = problem } },
            };
        }
        if (operation.RequestBody?.Content is { } content && content.TryGetValue("multipart/form-data", out var form) && form.Schema is not null)
            DescribeForm(form.Schema);
    }

    private static void DescribeForm(IOpenApiSchema schema)
    {
        foreach (var part in schema.AllOf ?? []) DescribeForm(part);
        foreach (var (field, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (property is not OpenApiSchema s) continue;
            if (field is "file" or "config")
            {
                s.Description ??= field == "file" ? "the file to upload" : "the kernel's .config (plain or gzip'd)";
                continue;
            }
            if (OperationDocs.FormFields.TryGetValue(field, out var f))
            {
                s.Description ??= f.Description;
                s.Example = JsonValue.Create(f.Example);
            }
        }
    }
}
