using System.Security.Cryptography;
using System.Text.Json;
using CompatService.Contracts;
using CompatService.Engine;
using CompatService.Engine.Binary;
using CompatService.Engine.Object;
using CompatService.HostKernels;
using CompatService.Loader.Discovery;
using CompatService.Loader.Syscalls;

namespace CompatService.Agent.Commands;

/// <summary>An object file given on the command line, read and parsed.</summary>
public sealed record InputObject(string Path, byte[] Bytes, string Sha256, BpfObject Object)
{
    public string Name => System.IO.Path.GetFileName(Path);
}

/// <summary>The agent's entry point, testable in-process: output writers, HTTP and host are injectable.</summary>
public sealed class AgentApp(TextWriter stdout, TextWriter stderr, Func<HttpClient>? http = null, Func<string, HostSession>? host = null)
{
    public const int Ok = 0, Failure = 1, BadInput = 2, ServiceError = 3;

    private static readonly Dictionary<string, HostSession> Sessions = [];
    private static readonly Lock SessionsLock = new();

    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;

    /// <summary>The host discovered once per process and root (the parsed kernel is cached with it).</summary>
    public HostSession Host(string root)
    {
        if (host is not null) return host(root);
        lock (SessionsLock)
        {
            if (!Sessions.TryGetValue(root, out var s))
            {
                if (LinuxBpfSyscalls.IsSupportedPlatform) LinuxBpfSyscalls.RaiseMemlockLimit(); // as libbpf does before maps (pre-5.11 kernels)
                Sessions[root] = s = new HostSession(HostKernel.Discover(root), new BpfApi(LinuxBpfSyscalls.Instance));
            }
            return s;
        }
    }

    public ServiceClient Service(AgentArgs args) =>
        new(http?.Invoke() ?? new HttpClient { Timeout = TimeSpan.FromSeconds(100) }, new Uri(args.Server!), args.ApiKey);

    public async Task<int> RunAsync(string[] argv, CancellationToken ct = default)
    {
        if (argv.Length == 0)
        {
            Err.Write(AgentCommandLine.Help());
            return BadInput;
        }
        var (args, error, parse) = AgentCommandLine.Parse(argv);
        if (error is not null)
        {
            foreach (var line in error.Split('\n')) Err.WriteLine($"compat-agent: {line}");
            Err.WriteLine($"(see compat-agent --help{(parse.CommandResult.Command is { } c && c != parse.RootCommandResult.Command ? $", or compat-agent {c.Name} --help" : "")})");
            return BadInput;
        }
        if (args is null) return await parse.InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = Out, Error = Err }, ct);
        try
        {
            return args.Command switch
            {
                "check" => CheckCommand.Run(this, args),
                "load" => await LoadCommand.RunAsync(this, args, ct),
                "report" => await ReportCommand.RunAsync(this, args, ct),
                "bench" => BenchCommand.Run(this, args),
                "lab" => await LabCommand.RunAsync(this, args, ct),
                _ => BadInput,
            };
        }
        catch (InputException e)
        {
            Err.WriteLine($"compat-agent: {e.Message}");
            return BadInput;
        }
        catch (ServiceException e)
        {
            Err.WriteLine($"compat-agent: server: {e.Message}");
            return ServiceError;
        }
        catch (BpfException e)
        {
            Err.WriteLine($"compat-agent: bpf(2): {e.Message}" + (e.Errno is Errno.EPERM or Errno.EACCES ? " (loading needs root or CAP_BPF + CAP_SYS_ADMIN/CAP_PERFMON)" : ""));
            return ServiceError;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Err.WriteLine($"compat-agent: {e.Message}");
            return ServiceError;
        }
    }

    /// <summary>Reads and parses each object; a missing or malformed file is bad input.</summary>
    public static IReadOnlyList<InputObject> ReadObjects(IEnumerable<string> paths)
    {
        var list = new List<InputObject>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new InputException($"{path}: no such file");
            var bytes = File.ReadAllBytes(path);
            try
            {
                list.Add(new InputObject(path, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)), CompatEngine.OpenObject(bytes)));
            }
            catch (BpfFormatException e)
            {
                throw new InputException($"{path}: not a BPF object: {e.Message}");
            }
        }
        return list;
    }

    public void Print(AgentArgs args, AgentOutput output)
    {
        if (args.Format == "json") Out.WriteLine(JsonSerializer.Serialize(output, AgentJson.Readable.AgentOutput));
        else Out.Write(AgentOutputText.Render(output, args.Verbose));
    }

    public static AgentKernelInfo KernelInfo(HostSession s) => new(s.Host.Release, s.Host.BtfSha256);
}

/// <summary>Bad input: a missing or malformed file (exit code 2).</summary>
public sealed class InputException(string message) : Exception(message);
