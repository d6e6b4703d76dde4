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
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(ApiDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment.Remove("ConnectionStrings__Compat");
        if (connectionString is not null) psi.Environment["ConnectionStrings__Compat"] = connectionString;
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        _ = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException("CompatService.Api.dll " + string.Join(' ', args) + " did not exit"); }
        return (p.ExitCode, stderr.Result);
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
    public void Serve_WithoutConnectionString_FailsAtStart_Exit2()
    {
        var (code, err) = Run(null, "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("configuration: ConnectionStrings:Compat is not set", err);
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
