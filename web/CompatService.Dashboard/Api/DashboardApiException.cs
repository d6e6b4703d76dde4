using System.Net;

namespace CompatService.Dashboard.Api;

/// <summary>The service answered with an error: its ProblemDetails title and detail, shown to the user as they are.</summary>
public sealed class DashboardApiException(HttpStatusCode status, string title, string? detail)
    : Exception(detail is null ? title : $"{title}: {detail}")
{
    public HttpStatusCode Status { get; } = status;
    public string Title { get; } = title;
    public string? Detail { get; } = detail;
}
