using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace CompatService.Dashboard.Api;

/// <summary>Resolves the API's base address once: the configured one, else the host's own first listening address.</summary>
public sealed class ApiBaseAddress(IOptions<DashboardOptions> options, IServiceProvider services)
{
    private Uri? _resolved;

    public Uri Get()
    {
        if (_resolved is not null) return _resolved;
        if (options.Value.ApiBaseAddress is { } configured) return _resolved = configured;
        var server = services.GetService(typeof(IServer)) as IServer;
        var addresses = server?.Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                    ?? addresses?.FirstOrDefault()
                    ?? throw new InvalidOperationException(
                        "the dashboard cannot find the API: the server has no listening address; set Compat:Dashboard:ApiBaseAddress");
        return _resolved = FromListenAddress(first);
    }

    /// <summary>"http://+:5000", "http://0.0.0.0:5000", "http://[::]:5000" listen everywhere: call loopback instead.</summary>
    public static Uri FromListenAddress(string address)
    {
        var fixedUp = address
            .Replace("://+:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://*:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal)
            .Replace("://[::]:", "://127.0.0.1:", StringComparison.Ordinal);
        return new Uri(fixedUp.TrimEnd('/') + "/");
    }
}
