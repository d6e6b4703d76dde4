using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

// Shared by the service and dashboard test projects (linked from their .csproj files).
namespace CompatService.Tests.Shared;

/// <summary>
/// ONE real PostgreSQL per test run, started from the system's binaries (/usr/lib/postgresql/*/bin) in a private data
/// directory under /tmp, on a free port of 127.0.0.1, through `runuser -u postgres` when the tests run as root
/// (PostgreSQL refuses root). fsync / synchronous_commit / full_page_writes off: test data need no durability.
/// </summary>
public sealed class PostgresServer
{
    private static readonly Lazy<PostgresServer?> Shared = new(StartShared, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? _whyUnavailable;

    public static PostgresServer? Instance => Shared.Value;
    public static string? WhyUnavailable => Shared.Value is null ? _whyUnavailable : null;

    private readonly string _bin;
    private readonly string _dataDir;
    public int Port { get; }

    private PostgresServer(string bin, string dataDir, int port)
    {
        _bin = bin;
        _dataDir = dataDir;
        Port = port;
    }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Database={database};Username=postgres;Pooling=true;Maximum Pool Size=100;Timeout=15";

    public static string? FindBin() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;

    private static PostgresServer? StartShared()
    {
        var bin = FindBin();
        if (bin is null)
        {
            _whyUnavailable = "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
            return null;
        }
        if (IsRoot && !UserExists("postgres"))
        {
            _whyUnavailable = "running as root but there is no 'postgres' user to run PostgreSQL as";
            return null;
        }
        RemoveStaleDirectories();
        var dir = Path.Combine(Path.GetTempPath(), "compat-pg-test-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        if (IsRoot) Run("chown", ["postgres:postgres", dir], asPostgres: false);
        var port = FreePort();
        var server = new PostgresServer(bin, dir, port);
        server.Pg("initdb", "-D", Path.Combine(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C");
        server.Start();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAndDelete();
        return server;
    }

    /// <summary>Data directories left by earlier runs whose test process is gone (a killed run cannot clean up).</summary>
    private static void RemoveStaleDirectories()
    {
        foreach (var d in Directory.GetDirectories(Path.GetTempPath(), "compat-pg-test-*"))
        {
            var parts = Path.GetFileName(d).Split('-');
            if (parts.Length < 4 || !int.TryParse(parts[3], out var pid) || Directory.Exists($"/proc/{pid}")) continue;
            try { Directory.Delete(d, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    public void Start() =>
        Pg("pg_ctl", "-D", Path.Combine(_dataDir, "data"), "-l", Path.Combine(_dataDir, "log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {_dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " +
            "-c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB", "start");

    /// <summary>Stops (fast: in-flight transactions are rolled back) and starts again on the same port.</summary>
    public void Restart()
    {
        Pg("pg_ctl", "-D", Path.Combine(_dataDir, "data"), "-m", "fast", "-w", "stop");
        Start();
    }

    private void StopAndDelete()
    {
        try
        {
            Pg("pg_ctl", "-D", Path.Combine(_dataDir, "data"), "-m", "immediate", "-w", "stop");
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (Exception)
        {
            // best effort at process exit: a leftover /tmp directory is harmless
        }
    }

    /// <summary>A fresh, empty database (one per test class).</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = (prefix.ToLowerInvariant() + "_" + Guid.NewGuid().ToString("N")[..8]).Replace('.', '_');
        if (name.Length > 60) name = name[^60..].TrimStart('_');
        await using var conn = new NpgsqlConnection(ConnectionString("postgres"));
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
        await cmd.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    private void Pg(string tool, params string[] args) => Run(Path.Combine(_bin, tool), args, IsRoot);

    private static bool IsRoot => Environment.UserName == "root";

    private static bool UserExists(string user) => File.ReadAllLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));

    private static void Run(string file, string[] args, bool asPostgres)
    {
        var psi = asPostgres ? new ProcessStartInfo("runuser") : new ProcessStartInfo(file);
        if (asPostgres)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file }) psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = "/tmp";
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}{stdout.Result}");
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }
}
