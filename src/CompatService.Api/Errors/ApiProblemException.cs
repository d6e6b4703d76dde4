namespace CompatService.Api.Errors;

/// <summary>A refusal with a status and a message for the client; turned into ProblemDetails by the exception handler.</summary>
public class ApiProblemException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
}

public sealed class UploadTooLargeException(string detail)
    : ApiProblemException(StatusCodes.Status413PayloadTooLarge, "upload too large", detail);

public sealed class UnprocessableInputException(string detail)
    : ApiProblemException(StatusCodes.Status422UnprocessableEntity, "unreadable input", detail);
