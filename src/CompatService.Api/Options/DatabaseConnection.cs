namespace CompatService.Api.Options;

/// <summary>The database connection string (ConnectionStrings:Compat), bound so that its absence fails the host at start.</summary>
public sealed class DatabaseConnection
{
    public string? ConnectionString { get; set; }
}
