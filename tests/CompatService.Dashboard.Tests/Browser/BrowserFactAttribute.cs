namespace CompatService.Dashboard.Tests.Browser;

/// <summary>A fact that needs Debian's chromium + chromedriver and PostgreSQL binaries; skipped, with the reason, without them.</summary>
public class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Chrome.WhyUnavailable() is { } why) Skip = why;
        else if (PostgresServer.FindBin() is null) Skip = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
    }
}

/// <summary>Also needs the shared corpus (real kernels for the README screenshot).</summary>
public sealed class BrowserCorpusFactAttribute : BrowserFactAttribute
{
    public BrowserCorpusFactAttribute()
    {
        if (Skip is null && !CompatService.Tests.Shared.TestPaths.HasCorpus) Skip = CompatService.Tests.Shared.TestPaths.NoCorpusReason;
    }
}
