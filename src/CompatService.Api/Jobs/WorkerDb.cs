using Npgsql;

namespace CompatService.Api.Jobs;

/// <summary>
/// The matrix workers' own database contexts: a connection pool of their own (the API's reads never wait for a pooled
/// connection behind a batch), whose sessions commit with <c>synchronous_commit = off</c>. Everything a worker writes
/// is derived and idempotent — cells (recomputable, stored ON CONFLICT DO NOTHING), matrix_work leases, a job turned into
/// kernel requests — and PostgreSQL's WAL is sequential, so a crash loses at most the last moments of worker commits,
/// in order: a lost cell's kernel is still requested (its finish was lost too) and computed again. Uploads (objects,
/// kernels, their jobs) go through the API's contexts and stay synchronous.
/// </summary>
public sealed class WorkerDb(IConfiguration configuration)
{
    private readonly Lazy<DbContextOptions<CompatDbContext>> _options = new(() =>
    {
        var cs = configuration.GetConnectionString(CompatDb.ConnectionStringName);
        if (string.IsNullOrWhiteSpace(cs))
            throw new InvalidOperationException("ConnectionStrings:Compat is not set (env ConnectionStrings__Compat)");
        return CompatDb.Options(ConnectionString(cs));
    });

    /// <summary>The workers' connection string: <paramref name="cs"/> with its own application name, asynchronous commits and automatic preparation.</summary>
    public static string ConnectionString(string cs)
    {
        var b = new NpgsqlConnectionStringBuilder(cs);
        b.ApplicationName = string.IsNullOrEmpty(b.ApplicationName) ? "compat-worker" : b.ApplicationName + "-worker";
        b.Options = string.IsNullOrEmpty(b.Options) ? "-c synchronous_commit=off" : b.Options + " -c synchronous_commit=off";
        // A worker repeats the same few statements thousands of times (lease, missing cells, kernel and surface fetch,
        // cell write): prepared on each pooled connection after their second use, PostgreSQL stops planning them each time
        // (planning was 3–4.5 ms of a missing-cell query's 5–8 ms on the 1000-kernel fleet). Npgsql drops prepared
        // statements whose tables change schema (since 7.0), so a migration does not break them.
        if (b.MaxAutoPrepare == 0) { b.MaxAutoPrepare = 32; b.AutoPrepareMinUsages = 2; }
        return b.ConnectionString;
    }

    public CompatDbContext Create() => new(_options.Value);
}
