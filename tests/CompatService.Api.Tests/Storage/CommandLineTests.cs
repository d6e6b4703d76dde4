using CompatService.Api.Tests.Infrastructure;
using CompatService.Tests.Shared;
using System.Diagnostics;
using CompatService.Data;
using Npgsql;

namespace CompatService.Api.Tests.Storage;

/// <summary>`dotnet CompatService.Api.dll [migrate|import]` as a real process: configuration and database errors are one clear line and an exit code, never a stack trace.</summary>
public sealed class CommandLineTests
{
    private static readonly string ApiDll = Path.Combine(AppContext.BaseDirectory, "CompatService.Api.dll");

    private static (int Code, string StdErr) Run(string? connectionString, params string[] args)
    {
        var (code, stderr, _) = RunAll(connectionString, args);
        return (code, stderr);
    }

    private static (int Code, string StdErr, string StdOut) RunAll(string? connectionString, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(ApiDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ConnectionStrings__Compat");
        if (connectionString is not null) psi.Environment["ConnectionStrings__Compat"] = connectionString;
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("CompatService.Api.dll " + string.Join(' ', args) + " did not exit"); }
        return (p.ExitCode, stderr.Result, stdout.Result);
    }

    [Fact]
    public void Migrate_WithoutConnectionString_Exits2WithTheSettingToSet()
    {
        var (code, err) = Run(null, "migrate");
        Assert.Equal(2, code);
        Assert.Contains("ConnectionStrings:Compat is not set", err);
        Assert.DoesNotContain("   at ", err);
    }

    [Fact]
    public void Migrate_DatabaseUnreachable_Exits3WithTheReason()
    {
        var (code, err) = Run("Host=127.0.0.1;Port=1;Database=none;Username=postgres;Timeout=3", "migrate");
        Assert.Equal(3, code);
        Assert.Contains("the database is unavailable", err);
        Assert.DoesNotContain("Unhandled exception", err);
    }

    [Fact]
    public void Help_ListsTheCommands_AndEachCommandsOptions()
    {
        var (code, _, stdout) = RunAll(null, "--help");
        Assert.Equal(0, code);
        Assert.Contains("migrate", stdout);
        Assert.Contains("import", stdout);
        (code, _, stdout) = RunAll(null, "import", "--help");
        Assert.Equal(0, code);
        foreach (var o in new[] { "PATH", "--label", "--release", "--arch", "--distro", "--flavour" }) Assert.Contains(o, stdout);
        (code, _, stdout) = RunAll(null, "--version");
        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", stdout.Trim());
    }

    [Theory]
    [InlineData(new[] { "import" }, "Required argument missing")]            // PATH is required
    [InlineData(new[] { "import", "/x", "--label", "novalue" }, "k=v")]      // labels are validated before the database is touched
    [InlineData(new[] { "import", "/x", "--bogus", "1" }, "--bogus")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    public void BadUsage_Exit2_NamesTheProblem_NoStackTrace(string[] args, string expected)
    {
        var (code, err) = Run("Host=127.0.0.1;Port=1;Database=none;Username=postgres;Timeout=3", args);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.Contains("--help", err);
        Assert.DoesNotContain("   at ", err);
    }

    [PgFact]
    public async Task Import_StoresAKernelDirectory_OneLinePerItem_WithoutTerminalCodes()
    {
        var server = PostgresServer.Instance ?? throw new InvalidOperationException(PostgresServer.WhyUnavailable);
        var cs = await server.CreateDatabaseAsync("import");
        Assert.Equal(0, Run(cs, "migrate").Code);
        var dir = Path.Combine(TestPaths.Fixtures, "kernels", "debian-6.1.0-47-amd64");
        var (code, err) = Run(cs, "import", dir, "--label", "team=net,source=fixture");
        Assert.Equal(0, code);
        Assert.Contains("[1/1] debian-6.1.0-47-amd64: stored as #", err);
        Assert.Contains("import: 1 stored, 0 already present, 0 failed", err);
        Assert.DoesNotContain("\r", err);
        Assert.DoesNotContain("\u001b[", err); // stderr is not a terminal here: no ANSI escapes
        (code, err) = Run(cs, "import", dir);
        Assert.Equal(0, code);
        Assert.Contains("already stored", err);
        await using var db = new NpgsqlConnection(cs);
        await db.OpenAsync();
        await using var q = new NpgsqlCommand("select count(*) from kernels", db);
        Assert.Equal(1L, (long)(await q.ExecuteScalarAsync())!);
    }

    [Fact]
    public void Serve_WithoutConnectionString_FailsAtStart_Exit2()
    {
        var (code, err) = Run(null, "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("serve: ConnectionStrings:Compat is not set", err);
    }

    [Fact]
    public void ConnectionString_GetsAutoPrepare_UnlessItSaysOtherwise()
    {
        var added = new NpgsqlConnectionStringBuilder(CompatDb.WithAutoPrepare("Host=db;Database=compat"));
        Assert.Equal(32, added.MaxAutoPrepare);
        var kept = new NpgsqlConnectionStringBuilder(CompatDb.WithAutoPrepare("Host=db;Database=compat;Max Auto Prepare=0"));
        Assert.Equal(0, kept.MaxAutoPrepare);
    }
}

public sealed class ImportDistroTests
{
    [Theory]
    [InlineData("Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", "debian")]
    [InlineData("Linux version 6.8.0-45-generic (buildd@lcy02-amd64-115) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.2.0-23ubuntu4) 13.2.0, GNU ld (GNU Binutils for Ubuntu) 2.42) #45-Ubuntu SMP PREEMPT_DYNAMIC", "ubuntu")]
    [InlineData("Linux version 6.5.6-300.fc39.x86_64 (mockbuild@0e3a2b8f) (gcc (GCC) 13.2.1 20230918 (Red Hat 13.2.1-3), GNU ld version 2.40-14.fc39) #1 SMP PREEMPT_DYNAMIC", "fedora")]
    [InlineData("Linux version 5.14.0-427.13.1.el9_4.x86_64 (mockbuild@x86-64-02) (gcc (GCC) 11.4.1 20231218 (Red Hat 11.4.1-3)) #1 SMP PREEMPT_DYNAMIC", "rhel")]
    [InlineData("Linux version 6.18.44-fc-v1272 (builder@sandboxing) (gcc (GCC) 15.3.0, GNU ld (GNU Binutils) 2.46) #1 SMP PREEMPT_DYNAMIC @0", "host")]
    [InlineData("", "host")]
    public void SysfsImport_DistroFromProcVersion(string procVersion, string distro) =>
        Assert.Equal(distro, CompatService.HostKernels.HostKernel.DistroOf(procVersion));
}
