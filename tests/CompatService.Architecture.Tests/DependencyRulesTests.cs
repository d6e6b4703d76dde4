using System.Reflection;

namespace CompatService.Architecture.Tests;

/// <summary>
/// One engine, three faces: the engine knows nothing of hosts, databases or syscalls; the dashboard never touches the
/// database; only the agent uses the bpf(2) loader. These tests walk the compiled assemblies' references.
/// </summary>
public sealed class DependencyRulesTests
{
    private static readonly string BinDir = AppContext.BaseDirectory;

    private static Assembly Load(string name) => Assembly.LoadFrom(Path.Combine(BinDir, name + ".dll"));

    private static string[] References(string name) =>
        Load(name).GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    /// <summary>Every assembly reachable from <paramref name="name"/> through project (CompatService.*) and package references.</summary>
    private static HashSet<string> Closure(string name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var todo = new Stack<string>([name]);
        while (todo.Count > 0)
        {
            var current = todo.Pop();
            if (!seen.Add(current)) continue;
            var path = Path.Combine(BinDir, current + ".dll");
            if (!File.Exists(path)) continue; // framework assemblies: not walked
            foreach (var r in Assembly.LoadFrom(path).GetReferencedAssemblies()) todo.Push(r.Name!);
        }
        return seen;
    }

    private static readonly string[] HostSpecific =
        ["Microsoft.AspNetCore", "Microsoft.EntityFrameworkCore", "Npgsql", "CompatService.Loader", "CompatService.Data",
         "CompatService.Api", "CompatService.Agent", "CompatService.Kernels", "CompatService.HostKernels", "Microsoft.Extensions.Hosting"];

    [Fact]
    public void Engine_DependsOnNothingHostSpecific()
    {
        var closure = Closure("CompatService.Engine");
        var bad = closure.Where(a => HostSpecific.Any(h => a.StartsWith(h, StringComparison.Ordinal))).ToArray();
        Assert.True(bad.Length == 0, "engine references: " + string.Join(", ", bad));
    }

    /// <summary>The engine owns its types (fixups, verdicts, summaries); the wire DTOs are a mapping at the edge (CompatService.Reporting).</summary>
    [Fact]
    public void Engine_DoesNotReferenceTheWireContracts()
    {
        Assert.DoesNotContain("CompatService.Contracts", Closure("CompatService.Engine"));
        Assert.DoesNotContain("CompatService.Reporting", Closure("CompatService.Engine"));
    }

    /// <summary>Every face maps engine results through the one edge mapping.</summary>
    [Theory]
    [InlineData("CompatService.Api")]
    [InlineData("compat")]
    [InlineData("compat-agent")]
    [InlineData("CompatService.Lab")]
    public void Faces_MapEngineResultsThroughReporting(string assembly) =>
        Assert.Contains("CompatService.Reporting", References(assembly));

    [Fact]
    public void Contracts_AreBclOnly()
    {
        var refs = References("CompatService.Contracts");
        Assert.All(refs, r => Assert.True(r.StartsWith("System", StringComparison.Ordinal) || r is "netstandard" or "mscorlib", r));
    }

    [Fact]
    public void Dashboard_NeverTouchesTheDatabase()
    {
        var closure = Closure("CompatService.Dashboard");
        Assert.DoesNotContain("CompatService.Data", closure);
        Assert.DoesNotContain(closure, a => a.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) || a.StartsWith("Npgsql", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("CompatService.Api")]
    [InlineData("compat")]
    [InlineData("CompatService.Dashboard")]
    [InlineData("CompatService.Data")]
    [InlineData("CompatService.Engine")]
    [InlineData("CompatService.Kernels")]
    [InlineData("CompatService.Lab")]
    [InlineData("CompatService.Reporting")]
    public void OnlyTheAgent_UsesTheLoader(string assembly) =>
        Assert.DoesNotContain("CompatService.Loader", Closure(assembly));

    [Fact]
    public void TheAgent_UsesTheLoaderAndTheEngine()
    {
        var refs = References("compat-agent");
        Assert.Contains("CompatService.Loader", refs);
        Assert.Contains("CompatService.Engine", refs);
    }

    [Fact]
    public void TheRunningKernel_HasOneReader_SharedByTheLoaderAndTheKernelDoor()
    {
        Assert.Contains("CompatService.HostKernels", References("CompatService.Loader"));
        Assert.Contains("CompatService.HostKernels", References("CompatService.Kernels"));
        Assert.DoesNotContain("CompatService.Kernels", Closure("CompatService.HostKernels"));
    }

    /// <summary>The loader and the host reader (the agent's AOT core) pull no decompression library.</summary>
    [Theory]
    [InlineData("CompatService.Loader")]
    [InlineData("CompatService.HostKernels")]
    public void TheLoaderAndTheHostReader_PullNoDecompressionLibraries(string assembly)
    {
        var closure = Closure(assembly);
        var bad = closure.Where(a => a is "CompatService.Kernels" || a.StartsWith("SharpCompress", StringComparison.Ordinal)
            || a.StartsWith("ZstdSharp", StringComparison.Ordinal) || a.StartsWith("K4os", StringComparison.Ordinal)).ToArray();
        Assert.True(bad.Length == 0, $"{assembly} references: " + string.Join(", ", bad));
    }

    [Fact]
    public void OnlyTheLoader_CallsIntoNativeCode()
    {
        foreach (var name in new[] { "CompatService.Engine", "CompatService.Kernels", "CompatService.HostKernels", "CompatService.Contracts", "compat", "CompatService.Api", "CompatService.Data", "compat-agent", "CompatService.Lab", "CompatService.Reporting" })
        {
            var pinvokes = Load(name).GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                .Where(m => (m.Attributes & MethodAttributes.PinvokeImpl) != 0)
                .Select(m => $"{m.DeclaringType!.FullName}.{m.Name}")
                .ToArray();
            Assert.True(pinvokes.Length == 0, $"{name} has P/Invoke: {string.Join(", ", pinvokes)}");
        }
    }
}
