using CompatService.Engine.Binary;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace CompatService.Api.Errors;

/// <summary>Every error leaves as ProblemDetails, with a status that says whose fault it is and no stack trace.</summary>
public static class ProblemHandling
{
    public static IServiceCollection AddCompatProblems(this IServiceCollection services)
    {
        // Binding failures (/api/objects/abc) become BadHttpRequestExceptions in every environment, so the handler below
        // answers them with a ProblemDetails that names the parameter (not an empty 400).
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Extensions.Remove("exception");
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ClientErrorLog.Write(ctx.HttpContext, ctx.ProblemDetails);
        });
    }

    public static WebApplication UseCompatProblems(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = StatusOf,
            ExceptionHandler = WriteProblem,
            // A client's mistake is not a server failure: 4xx are logged in one information line (ClientErrorLog), 5xx
            // keep the middleware's error entry with the full exception.
            SuppressDiagnosticsCallback = c => StatusOf(c.Exception) < 500,
        });
        app.UseStatusCodePages();
        return app;
    }

    public static int StatusOf(Exception e) => e switch
    {
        ApiProblemException p => p.Status,
        InputLimitException => StatusCodes.Status413PayloadTooLarge,
        BpfFormatException => StatusCodes.Status422UnprocessableEntity,
        BadHttpRequestException b => b.StatusCode,
        InvalidDataException => StatusCodes.Status422UnprocessableEntity,
        _ when IsDatabaseOutage(e) => StatusCodes.Status503ServiceUnavailable,
        OperationCanceledException => 499,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The database went away (connection refused / reset, server shutting down, timeout) anywhere in the chain.</summary>
    public static bool IsDatabaseOutage(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case Npgsql.PostgresException pg:
                    // class 08 connection exception, 57 operator intervention (admin shutdown), 53 insufficient resources
                    return pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57", StringComparison.Ordinal)
                        || pg.SqlState.StartsWith("53", StringComparison.Ordinal);
                case Npgsql.NpgsqlException:
                case TimeoutException:
                case System.Net.Sockets.SocketException:
                    return true;
            }
        }
        return false;
    }

    private static async Task WriteProblem(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var status = error is null ? 500 : StatusOf(error);
        var (title, detail) = error switch
        {
            ApiProblemException p => (p.Title, p.Message),
            InputLimitException l => ("upload too large", l.Message),
            AnalysisBudgetExceededException b => ("too complex to analyse", b.Message),
            BadHttpRequestException b when BindFailure.Describe(b.Message) is { } bind => ("invalid parameter", bind.Detail),
            BpfFormatException f => ("malformed input", f.Message),
            BadHttpRequestException b when b.StatusCode == 413 => ("upload too large", b.Message),
            BadHttpRequestException b => ("bad request", b.Message),
            InvalidDataException d => ("unreadable input", d.Message),
            _ when status == StatusCodes.Status503ServiceUnavailable =>
                ("database unavailable", "the database did not answer; nothing was stored — retry the request"),
            _ => ("internal error", "the server failed to handle the request; see its log (trace id below)"),
        };
        http.Response.StatusCode = status;
        var parameter = error switch
        {
            InvalidParameterException ip => ip.Parameter,
            BadHttpRequestException b => BindFailure.Describe(b.Message)?.Parameter,
            _ => null,
        };
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        var context = new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = error,
            ProblemDetails = new ProblemDetails
            {
                Status = status, Title = title, Detail = detail,
                Extensions = { ["traceId"] = http.Features.Get<IHttpActivityFeature>()?.Activity.Id ?? http.TraceIdentifier },
            },
        };
        if (parameter is not null) context.ProblemDetails.Extensions["parameter"] = parameter;
        await problems.WriteAsync(context);
    }
}
