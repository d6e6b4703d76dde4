using System.Security.Cryptography;
using System.Text;

namespace CompatService.Api.Security;

/// <summary>
/// Checks the X-Api-Key header against Compat:ApiKeys (constant-time). Writes always need a key; reads only when
/// Compat:RequireKeyForReads. The key itself is never logged: only "missing" / "rejected".
/// </summary>
public sealed class ApiKeyFilter(IOptionsMonitor<CompatOptions> options, ILogger<ApiKeyFilter> log, bool isWrite) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var o = options.CurrentValue;
        if (!isWrite && !o.RequireKeyForReads)
            return await next(context);
        var http = context.HttpContext;
        var presented = http.Request.Headers[ApiRoutes.ApiKeyHeader].ToString();
        if (presented.Length == 0)
        {
            log.LogInformation("{Method} {Path}: API key missing", http.Request.Method, http.Request.Path);
            return TypedResults.Problem($"this request needs an API key in the {ApiRoutes.ApiKeyHeader} header",
                statusCode: StatusCodes.Status401Unauthorized, title: "API key required");
        }
        if (!Matches(o.ApiKeys, presented))
        {
            log.LogWarning("{Method} {Path}: API key rejected", http.Request.Method, http.Request.Path);
            return TypedResults.Problem("the API key is not valid", statusCode: StatusCodes.Status403Forbidden, title: "API key rejected");
        }
        return await next(context);
    }

    private static bool Matches(IEnumerable<string> keys, string presented)
    {
        var p = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var ok = false;
        foreach (var k in keys)
            ok |= CryptographicOperations.FixedTimeEquals(p, SHA256.HashData(Encoding.UTF8.GetBytes(k)));
        return ok;
    }
}

public static class ApiKeyEndpointExtensions
{
    /// <summary>Writes: POST / DELETE.</summary>
    public static TBuilder RequireWriteKey<TBuilder>(this TBuilder b) where TBuilder : IEndpointConventionBuilder => b.RequireKey(isWrite: true);

    /// <summary>Reads: open unless Compat:RequireKeyForReads.</summary>
    public static TBuilder RequireReadKey<TBuilder>(this TBuilder b) where TBuilder : IEndpointConventionBuilder => b.RequireKey(isWrite: false);

    /// <summary>The endpoints of one Swagger tag, as two groups: reads (<see cref="RequireReadKey"/>) and writes (<see cref="RequireWriteKey"/>).</summary>
    public static (RouteGroupBuilder Reads, RouteGroupBuilder Writes) KeyedGroups(this IEndpointRouteBuilder app, string tag) =>
        (app.MapGroup("").WithTags(tag).RequireReadKey(), app.MapGroup("").WithTags(tag).RequireWriteKey());

    private static TBuilder RequireKey<TBuilder>(this TBuilder b, bool isWrite) where TBuilder : IEndpointConventionBuilder =>
        b.WithMetadata(new ApiKeyMetadata(isWrite)).AddEndpointFilterFactory((ctx, next) =>
        {
            var f = ActivatorUtilities.CreateInstance<ApiKeyFilter>(ctx.ApplicationServices, isWrite);
            return inv => f.InvokeAsync(inv, next);
        });
}

/// <summary>Endpoint metadata: this endpoint checks X-Api-Key (always for writes; reads when Compat:RequireKeyForReads). Swagger reads it.</summary>
public sealed record ApiKeyMetadata(bool IsWrite);
