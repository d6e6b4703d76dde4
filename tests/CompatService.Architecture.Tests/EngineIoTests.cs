using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace CompatService.Architecture.Tests;

/// <summary>
/// The engine is bytes in, verdicts out: its IL references no file-system type (files come in through
/// CompatService.Kernels / HostKernels, the CLI or the service). Read from the compiled assembly's type references.
/// </summary>
public sealed class EngineIoTests
{
    private static readonly HashSet<string> FileSystemTypes = new(StringComparer.Ordinal)
    {
        "File", "FileInfo", "FileStream", "Directory", "DirectoryInfo", "FileSystemInfo", "DriveInfo", "StreamReader",
        "StreamWriter", "FileSystemWatcher", "RandomAccess", "MemoryMappedFile",
    };

    [Fact]
    public void Engine_ReferencesNoFileSystemType()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "CompatService.Engine.dll");
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var md = pe.GetMetadataReader();
        var bad = md.TypeReferences.Select(h => md.GetTypeReference(h))
            .Select(t => (Ns: md.GetString(t.Namespace), Name: md.GetString(t.Name)))
            .Where(t => t.Ns.StartsWith("System.IO", StringComparison.Ordinal) && FileSystemTypes.Contains(t.Name))
            .Select(t => $"{t.Ns}.{t.Name}").Distinct().ToArray();
        Assert.True(bad.Length == 0, "the engine references file-system types: " + string.Join(", ", bad));
    }
}
