namespace CompatService.Dashboard;

/// <summary>Configuration section "Compat:Dashboard".</summary>
public sealed class DashboardOptions
{
    public const string Section = "Compat:Dashboard";

    /// <summary>Where the REST API is. Null: the host's own first Kestrel address (IServerAddressesFeature), resolved at first use.</summary>
    public Uri? ApiBaseAddress { get; set; }

    /// <summary>Key sent as X-Api-Key: the server-side dashboard forwards it for uploads (and for reads when they need one).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Largest file the upload page accepts from the browser (bytes).</summary>
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;
}
