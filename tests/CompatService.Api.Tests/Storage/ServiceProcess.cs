using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using CompatService.Tests.Shared;

namespace CompatService.Api.Tests.Storage;

/// <summary>`dotnet CompatService.Api.dll` (the built service, the test's own copy) as a real process on a free port.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    public static readonly string ApiDll = Path.Combine(AppContext.BaseDirectory, "CompatService.Api.dll");
    private readonly Process _p;
    private readonly System.Text.StringBuilder _output = new();
    public Uri Url { get; }
    public int Pid => _p.Id;
    public string Output { get { lock (_output) return _output.ToString(); } }

    private ServiceProcess(Process p, Uri url)
    {
        _p = p;
        Url = url;
        p.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
    }

    /// <summary>Starts the service and waits for /health.</summary>
    public static async Task<ServiceProcess> StartAsync(string connectionString, IDictionary<string, string> settings)
    {
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = AppContext.BaseDirectory };
        psi.ArgumentList.Add(ApiDll);
        psi.ArgumentList.Add("--urls");
        psi.ArgumentList.Add(url.ToString().TrimEnd('/'));
        psi.Environment["ConnectionStrings__Compat"] = connectionString;
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        psi.Environment["Compat__ApiKeys__0"] = Infrastructure.ApiFactory.WriteKey;
        foreach (var (k, v) in settings) psi.Environment[k] = v;
        var s = new ServiceProcess(Process.Start(psi)!, url);
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(5) };
        for (var i = 0; i < 600; i++)
        {
            if (s._p.HasExited) throw new InvalidOperationException($"service exited with {s._p.ExitCode}:\n{s.Output}");
            try { if ((await http.GetAsync("/health")).IsSuccessStatusCode) return s; }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        await s.DisposeAsync();
        throw new TimeoutException("service did not answer /health in 120 s:\n" + s.Output);
    }

    /// <summary>SIGKILL: no shutdown, no cleanup, like a crashed or OOM-killed replica.</summary>
    public void Kill()
    {
        _p.Kill(entireProcessTree: true);
        _p.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_p.HasExited)
        {
            _p.Kill(entireProcessTree: true);
            await _p.WaitForExitAsync();
        }
        _p.Dispose();
    }

    /// <summary>Runs `dotnet CompatService.Api.dll ARGS` or a script to completion; throws with its output on failure.</summary>
    public static async Task RunAsync(string file, IEnumerable<string> args, IDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = TestPaths.RepoRoot };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}:\n{output}\n{await err}");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
