using System.Collections.Concurrent;
using CompatService.Api.Errors;
using CompatService.Api.Tests.Infrastructure;
using CompatService.Contracts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CompatService.Api.Tests.Validation;

/// <summary>A client's mistake (4xx) is one information line (method, route, status, title), never an error with a stack trace.</summary>
public sealed class ClientErrorLoggingTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private sealed record Entry(string Category, LogLevel Level, string Message, Exception? Exception);

    private sealed class Capture : ILoggerProvider
    {
        public ConcurrentQueue<Entry> Entries { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        private sealed class Logger(Capture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), exception));
        }
    }

    [PgFact]
    public async Task ClientErrors_AreOneInformationLine_WithoutStackTrace()
    {
        var capture = new Capture();
        using var factory = api.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(capture))));
        using var c = factory.CreateClient();
        c.DefaultRequestHeaders.Add(ApiRoutes.ApiKeyHeader, ApiFactory.WriteKey);
        Assert.Equal(400, (int)(await c.GetAsync("/api/objects/abc")).StatusCode);
        Assert.Equal(400, (int)(await c.GetAsync("/api/kernels?minRelease=banana")).StatusCode);
        Assert.Equal(422, (int)(await c.PostAsync(ApiRoutes.Kernels, Multipart.File(Files.Fixture("xdp_pass"), "xdp_pass.bpfel.o"))).StatusCode);
        Assert.Equal(404, (int)(await c.GetAsync("/api/kernels/987654")).StatusCode);

        var entries = capture.Entries.ToList();
        Assert.DoesNotContain(entries, e => e.Level >= LogLevel.Error);
        Assert.DoesNotContain(entries, e => e.Exception is not null);
        var lines = entries.Where(e => e.Category == ClientErrorLog.Category).ToList();
        Assert.All(lines, e => Assert.Equal(LogLevel.Information, e.Level));
        Assert.All(lines, e => Assert.DoesNotContain('\n', e.Message));
        Assert.Contains(lines, e => e.Message.StartsWith("GET /api/objects/{id} -> 400 invalid parameter", StringComparison.Ordinal));
        Assert.Contains(lines, e => e.Message.StartsWith("GET /api/kernels -> 400 invalid parameter: minRelease", StringComparison.Ordinal));
        Assert.Contains(lines, e => e.Message.StartsWith("POST /api/kernels -> 422 unreadable input", StringComparison.Ordinal));
        Assert.Contains(lines, e => e.Message.StartsWith("GET /api/kernels/{id} -> 404 unknown kernel", StringComparison.Ordinal));
        Assert.Equal(4, lines.Count);
    }
}
