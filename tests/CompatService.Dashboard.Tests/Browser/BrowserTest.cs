using CompatService.Tests.Shared;
using OpenQA.Selenium.Chrome;

namespace CompatService.Dashboard.Tests.Browser;

/// <summary>
/// A test class that drives the real service (on the test PostgreSQL) in Chromium: before each test the server starts
/// and a browser opens with its own profile directory; after it both stop and the profile goes. Nothing starts when
/// Chrome, PostgreSQL or what <see cref="Unavailable"/> names is missing (the class's facts skip with that reason).
/// </summary>
public abstract class BrowserTest : IAsyncLifetime
{
    private readonly string _profile = Path.Combine(Path.GetTempPath(), "compat-chrome-" + Guid.NewGuid().ToString("N")[..8]);
    private DashboardServer? _server;
    private ChromeDriver? _driver;

    protected DashboardServer Server => _server ?? throw new InvalidOperationException("server not started");
    protected ChromeDriver Driver => _driver ?? throw new InvalidOperationException("browser not started");
    /// <summary>The browser's profile directory, deleted after the test: also a scratch place for files to upload.</summary>
    protected string Profile => _profile;
    protected Uri Url(string relative) => new(Server.BaseAddress, relative);

    /// <summary>What else this class's facts need, when it is missing (null: nothing else).</summary>
    protected virtual string? Unavailable => null;

    /// <summary>The service as this class wants it (default: the real one, unchanged).</summary>
    protected virtual DashboardServer CreateServer() => new();

    public async Task InitializeAsync()
    {
        if (Chrome.WhyUnavailable() is not null || PostgresServer.FindBin() is null || Unavailable is not null) return;
        _server = CreateServer();
        await _server.InitializeAsync();
        _driver = Chrome.Start(_profile);
    }

    public async Task DisposeAsync()
    {
        _driver?.Quit();
        _driver?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        try { Directory.Delete(_profile, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
